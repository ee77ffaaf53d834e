"""``GET /api/v1/me``: what the calling key is — its organisation, role, the operations it
may call (read from the views' own role checks, so the answer cannot drift from them), its
rate limits, and for a place's key the programmes it may accept today."""

from __future__ import annotations

import re
from typing import Any

from flask import Response, current_app
from flask_smorest import Blueprint

from schemas.api.access import MeSchema
from voucher.db.models import ApiKey, Organisation
from voucher.domain.calendar import paris_date, utcnow
from voucher.services.access import devices
from voucher.web.api import replies, security
from voucher.web.api.operations import OPERATIONS
from voucher.web.db import db

blp = Blueprint("api_me", __name__, url_prefix="/api/v1", description="La clé qui appelle")
ME = MeSchema()
_PARAM = re.compile(r"<(?:[^:<>]+:)?(\w+)>")


def operations_for(role: str) -> list[str]:
    """operationIds of every operation a key of ``role`` may call."""
    out = []
    for rule in current_app.url_map.iter_rules():
        view = current_app.view_functions.get(rule.endpoint)
        roles = getattr(view, "api_roles", None)
        if roles is None or (roles and role not in roles):
            continue
        path = _PARAM.sub(r"{\1}", rule.rule)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            op = OPERATIONS.get(f"{method} {path}")
            if op is not None:
                out.append(op.id)
    return sorted(set(out))


@blp.route("/me", methods=["GET"])
@security.key_required()
@blp.doc(summary="La clé qui appelle : organisation, rôle, droits, limites, dispositifs")
@blp.response(200, MeSchema)
def me() -> Response:
    actor, session = security.actor(), db()
    key = session.get(ApiKey, actor.api_key_id)
    organisation = session.get(Organisation, actor.organisation_id)
    assert key is not None and organisation is not None  # the key was just authenticated
    payload: dict[str, Any] = {
        "key": {
            "prefix": key.prefix,
            "name": key.name,
            "created_at": key.created_at,
            "last_used_at": key.last_used_at,
            "expires_at": key.expires_at,
            "device_label": key.device_label,
        },
        "organisation": {"id": organisation.id, "name": organisation.name},
        "role": key.role,
        "operations": operations_for(key.role),
        "limits": {
            name.removeprefix("API_").removesuffix("_LIMIT").lower(): str(current_app.config[name])
            for name in security.LIMITS
        },
        "structure": None,
        "programmes": [],
    }
    if key.role == "reception":
        payload["structure"] = {"id": organisation.id, "name": organisation.name}
        today = paris_date(utcnow())
        payload["programmes"] = [
            {"id": p.id, "name": p.name}
            for p in devices.accepted_programmes(session, organisation.id, today)
        ]
    return replies.ok(ME.dump(payload))
