"""``GET /api/v1/offline-pack``: a place's device downloads, for the programmes it may
accept, the signed pack that tells offline whether a code exists and was not yet used
(:mod:`voucher.domain.offline_pack`; never a code), whole or as a refresh ``since``."""

from __future__ import annotations

from typing import Any

from flask import Response, current_app
from flask_smorest import Blueprint

from schemas.api.offline import OfflinePackSchema, PackArgsSchema
from voucher.db.models import ApiKey
from voucher.domain import offline_pack as rules
from voucher.domain.calendar import utcnow
from voucher.services.redemption import offline_pack
from voucher.web.api import replies, security
from voucher.web.db import db

blp = Blueprint("api_pack", __name__, url_prefix="/api/v1", description="Paquet hors ligne")
PACK = OfflinePackSchema()


def instance_salt() -> bytes:
    key = current_app.config.get("PSEUDONYM_KEY") or current_app.config["SECRET_KEY"].encode()
    return offline_pack.salt(bytes(key))


@blp.route("/offline-pack", methods=["GET"])
@security.key_required("reception")
@blp.doc(summary="Le paquet hors ligne signé du lieu (ou sa mise à jour depuis « since »)")
@blp.arguments(PackArgsSchema, location="query")
@blp.response(200, OfflinePackSchema)
def download(args: dict[str, Any]) -> Response:
    actor, now, salt = security.actor(), utcnow(), instance_salt()
    key = db().get(ApiKey, actor.api_key_id)
    assert key is not None  # just authenticated
    built = offline_pack.build(db(), int(actor.organisation_id or 0), now, salt, args.get("since"))
    document: dict[str, Any] = PACK.dump(
        {
            "format": "hmac-sha256-truncated",
            "hash_bytes": rules.HASH_BYTES,
            "salt": rules.b64(salt),
            "programmes": built.programme_ids,
            "full": built.full,
            "added": rules.b64(built.added),
            "removed": rules.b64(built.removed),
            "count": len(built.added) // rules.HASH_BYTES,
            "generated_at": now,
            "as_of": built.as_of,
            "signature": "",
        }
    )
    document["signature"] = rules.sign(key.key_hash, document)
    return replies.ok(document)
