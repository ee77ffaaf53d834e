"""The workspaces a signed-in person can open, for the navigation bar, and the choice of
acting organisation for people with roles in several organisations.

Each workspace lists its entry point here with the roles that open it; an entry whose
blueprint is not registered is simply not shown, so features can arrive in any order
(other features add theirs with :func:`add`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, current_app, redirect, request, session, url_for
from flask_login import current_user, login_required
from sqlalchemy import select

from voucher.db.models import Organisation
from voucher.web.db import db, writes

bp = Blueprint("workspaces", __name__)

#: (endpoint, label, roles that open it)
ENTRIES: list[tuple[str, str, tuple[str, ...]]] = [
    ("desk.index", "Accueil (scan)", ("reception",)),
    ("prescriber.index", "Prescripteur", ("prescriber",)),
    ("funder.index", "Financeur", ("funder",)),
    ("review.queue", "Revue", ("funder", "finance")),
    ("admin.index", "Administration", ("admin",)),
]


def add(endpoint: str, label: str, roles: tuple[str, ...]) -> None:
    if not any(e[0] == endpoint for e in ENTRIES):
        ENTRIES.append((endpoint, label, roles))


def links() -> list[tuple[str, str, bool]]:
    """(url, label, is current) for the signed-in person."""
    if not current_user.is_authenticated:
        return []
    mine = current_user.roles()
    out = []
    for endpoint, label, roles in ENTRIES:
        if endpoint in current_app.view_functions and mine & set(roles):
            url = url_for(endpoint)
            out.append(
                (url, label, request.path == url or request.path.startswith(url.rstrip("/") + "/"))
            )
    if "help.index" in current_app.view_functions:
        url = url_for("help.index")
        out.append((url, "Aide", request.path.startswith(url)))
    return out


def organisations() -> list[tuple[int, str]]:
    if not current_user.is_authenticated:
        return []
    ids = sorted({o for o, _ in current_user.grants})
    if len(ids) < 2:
        return []
    rows = (
        db()
        .execute(
            select(Organisation.id, Organisation.name)
            .where(Organisation.id.in_(ids))
            .order_by(Organisation.name)
        )
        .all()
    )
    return [(int(i), str(n)) for i, n in rows]


@bp.post("/espace/organisation")
@writes
@login_required
def choose_organisation() -> Any:
    raw = request.form.get("org_id", "")
    if not raw.isdigit() or int(raw) not in {o for o, _ in current_user.grants}:
        abort(404)
    session["org_id"] = int(raw)
    return redirect(url_for("home.index"), code=303)


def register(app: Flask) -> None:
    app.register_blueprint(bp)

    @app.context_processor
    def _nav() -> dict[str, Any]:
        return {
            "workspace_links": links,
            "workspace_organisations": organisations,
            "chosen_org_id": lambda: session.get("org_id"),
            "has_endpoint": lambda name: name in current_app.view_functions,
        }
