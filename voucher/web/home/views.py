"""The home page: what the ledger holds, in figures."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template

from voucher.db.queries import figures
from voucher.web.db import db

bp = Blueprint("home", __name__)


@bp.get("/")
def index() -> str:
    session = db()
    return render_template(
        "home/index.html",
        programmes=figures.programme_figures(session),
        orgs=figures.organisation_counts(session),
        demo=current_app.config.get("DEMO"),
    )


@bp.get("/healthz")
def health() -> dict[str, str]:
    return {"status": "ok"}


def register(app: Any) -> None:
    app.register_blueprint(bp)
