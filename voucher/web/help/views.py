"""Help pages in plain French, one per workspace, written for the people at the desk.
Public (no sign-in): a new colleague can read them before receiving an account."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template

from voucher.domain import fraud
from voucher.domain.errors import MESSAGES
from voucher.web.desk.views import ADVICE

bp = Blueprint("help", __name__, url_prefix="/aide")
DESK_REFUSALS = (
    "mistyped_code",
    "unknown_code",
    "already_redeemed",
    "held",
    "not_active",
    "expired",
    "not_yet_valid",
    "cancelled",
    "structure_not_labelled",
    "not_accepted_here",
    "too_many_attempts",
    "locked",
)


@bp.get("/")
def index() -> str:
    return render_template("help/index.html")


@bp.get("/accueil")
def desk() -> str:
    refusals = [
        (code, MESSAGES[code], ADVICE.get(code, "")) for code in DESK_REFUSALS if code in MESSAGES
    ]
    holds = [r for r in fraud.CATALOGUE if r.outcome == "hold" and r.stage == "scan"]
    return render_template("help/desk.html", refusals=refusals, holds=holds)


@bp.get("/lecteur")
def scanner() -> str:
    return render_template("help/scanner.html")


@bp.get("/prescripteur")
def prescriber() -> str:
    return render_template("help/prescriber.html")


@bp.get("/financeur")
def funder() -> str:
    return render_template("help/funder.html")


def register(app: Any) -> None:
    app.register_blueprint(bp)
