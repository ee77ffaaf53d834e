"""``/mot-de-passe/oublie``, ``/mot-de-passe/nouveau/<token>``, ``/compte/notifications``.

Rules kept: asking for a reset answers the same page whatever the address (known or not,
active or not), and is rate-limited per client address; the reset page refuses an unknown,
used or expired link with its French message and changes nothing; a new password signs
nobody in (the person signs in with it)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required

from voucher.domain import mail
from voucher.domain.errors import DomainError
from voucher.services.mail import preferences, reset
from voucher.web.auth import current_actor
from voucher.web.db import db, writes
from voucher.web.forms import refuse
from voucher.web.limits import limiter

bp = Blueprint("account", __name__)


@bp.route("/mot-de-passe/oublie", methods=["GET", "POST"])
@writes
@limiter.limit("5 per minute; 20 per hour", methods=["POST"])
def forgotten() -> Any:
    if request.method == "POST":
        reset.request_reset(db(), current_actor(), request.form.get("email") or "")
        return render_template("account/forgotten_sent.html")
    return render_template("account/forgotten.html")


@bp.route("/mot-de-passe/nouveau/<token>", methods=["GET", "POST"])
@writes
@limiter.limit("10 per minute", methods=["POST"])
def new_password(token: str) -> Any:
    try:
        reset.check(db(), token)
    except DomainError as exc:
        return refuse(exc, "account/link_refused.html")
    if request.method == "POST":
        try:
            reset.set_password(
                db(),
                current_actor(),
                token,
                request.form.get("password") or "",
                request.form.get("password_again") or "",
            )
        except DomainError as exc:
            return refuse(exc, "account/new_password.html", token=token)
        flash("Mot de passe changé : connectez-vous avec le nouveau.", "success")
        return redirect(url_for("auth.login"), code=303)
    return render_template("account/new_password.html", token=token)


@bp.route("/compte/notifications", methods=["GET", "POST"])
@login_required
@writes
def notifications() -> Any:
    user_id = int(current_user.user_id)
    if request.method == "POST":
        wanted = set(request.form.getlist("kind"))
        try:
            preferences.choose(db(), current_actor(), user_id, wanted)
        except DomainError as exc:
            return refuse(exc, "account/notifications.html", **_choices(user_id))
        flash("Vos choix de notifications sont enregistrés.", "success")
        return redirect(url_for("account.notifications"), code=303)
    return render_template("account/notifications.html", **_choices(user_id))


def _choices(user_id: int) -> dict[str, Any]:
    off = preferences.turned_off(db(), user_id)
    return {"choices": [(k, words, k not in off) for k, words in mail.NOTIFICATIONS.items()]}


def register(app: Flask) -> None:
    app.register_blueprint(bp)
