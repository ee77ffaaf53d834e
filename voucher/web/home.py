"""The home page: what the ledger holds, in figures."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template

from voucher.db import queries
from voucher.web.db import db

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> str:
    session = db()
    return render_template(
        "home/index.html",
        programmes=queries.programme_figures(session),
        orgs=queries.organisation_counts(session),
        demo=current_app.config.get("DEMO"),
    )


@bp.get("/healthz")
def health() -> dict[str, str]:
    return {"status": "ok"}
