"""Sign-in (Flask-Login, argon2 passwords), roles scoped to an organisation, CSRF.

Views declare who may see them with ``@role_required("reception", ...)``; the acting
organisation is the one of the matching grant (``current_org_id()``). Another
organisation's objects must answer 404 (views compare owners and ``abort(404)``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    flash,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_login import LoginManager, UserMixin, current_user, login_user, logout_user
from flask_wtf import CSRFProtect
from sqlalchemy import select

from voucher.db.models import RoleGrant, User
from voucher.domain import text
from voucher.domain.calendar import utcnow
from voucher.services import audit
from voucher.services.access import people
from voucher.services.context import Actor
from voucher.web.db import db, writes
from voucher.web.limits import limiter

bp = Blueprint("auth", __name__)
login_manager = LoginManager()
csrf = CSRFProtect()
F = TypeVar("F", bound=Callable[..., Any])


class SessionUser(UserMixin):
    def __init__(self, user: User, grants: list[tuple[int, str]]) -> None:
        self.id = str(user.id)
        self.user_id = user.id
        self.email = user.email
        self.name = user.name
        self.grants = grants  # (organisation id, role)

    def roles(self) -> set[str]:
        return {role for _, role in self.grants}

    def org_for(self, *roles: str) -> int | None:
        chosen = session.get("org_id")
        for org_id, role in self.grants:
            if role in roles and (chosen is None or chosen == org_id):
                return org_id
        for org_id, role in self.grants:
            if role in roles:
                return org_id
        return None


@login_manager.user_loader
def _load(user_id: str) -> SessionUser | None:
    if not user_id.isdigit():
        return None
    user = db().get(User, int(user_id))
    if user is None or not user.active:
        return None
    grants = list(
        db()
        .execute(
            select(RoleGrant.organisation_id, RoleGrant.role).where(RoleGrant.user_id == user.id)
        )
        .all()
    )
    return SessionUser(user, [(int(o), str(r)) for o, r in grants])


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "Connectez-vous pour accéder à cette page."
    csrf.init_app(app)
    app.register_blueprint(bp)

    @app.context_processor
    def _inject() -> dict[str, Any]:
        return {"current_user": current_user}


def role_required(*roles: str) -> Callable[[F], F]:
    """Signed in with one of ``roles``; otherwise sign-in page (anonymous) or 403."""

    def wrap(view: F) -> F:
        @wraps(view)
        def inner(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            org_id = current_user.org_for(*roles)
            if org_id is None:
                abort(403)
            g.org_id, g.role = (
                org_id,
                next(r for o, r in current_user.grants if o == org_id and r in roles),
            )
            return view(*args, **kwargs)

        return inner  # type: ignore[return-value]

    return wrap


def current_org_id() -> int:
    return int(g.org_id)


def current_actor() -> Actor:
    ip = text.address(request.remote_addr)  # through the trusted proxies only (limits)
    if current_user.is_authenticated:
        return Actor(
            label=current_user.email,
            user_id=current_user.user_id,
            organisation_id=g.get("org_id"),
            role=g.get("role"),
            ip=ip,
            device=text.fit(request.headers.get("User-Agent"), 100),
        )
    return Actor(label="anonyme", ip=ip)


#: where each role starts its day, in this order for a person with several roles: the
#: reception on the scan desk, the prescriber on the carnets to hand out, the funder on the
#: dashboard of its programmes, finance on the month overview, the evaluator on the impact release
LANDING = (
    ("reception", "desk.index"),
    ("prescriber", "prescriber.index"),
    ("funder", "funder.index"),
    ("finance", "finance.index"),
    ("evaluator", "impact.index"),
    ("admin", "admin.index"),
)


def landing(user: SessionUser) -> str:
    roles = {role for _, role in user.grants}
    for role, endpoint in LANDING:
        if role in roles and endpoint in current_app.view_functions:
            return url_for(endpoint)
    return url_for("home.index")


@bp.route("/connexion", methods=["GET", "POST"])
@writes(keep_on_refusal=True)
@limiter.limit("10 per minute; 50 per hour", methods=["POST"])
def login() -> Any:
    if request.method == "POST":
        email = (request.form.get("email") or "").strip().lower()
        password = request.form.get("password") or ""
        user = db().scalars(select(User).where(User.email == email)).first()
        if user is None or not user.active or not people.check_password(user, password):
            audit.record(
                db(),
                Actor(label=email[:200] or "anonyme", ip=text.address(request.remote_addr)),
                "user.login",
                outcome="bad_credentials",
            )
            flash("Identifiant ou mot de passe incorrect.", "error")
            return render_template("auth/login.html", email=email), 401
        user.last_login_at = utcnow()
        loaded = _load(str(user.id))
        assert loaded is not None
        session.clear()
        login_user(loaded)
        audit.record(
            db(),
            Actor(label=user.email, user_id=user.id, ip=text.address(request.remote_addr)),
            "user.login",
        )
        target = request.args.get("next") or ""
        if not target.startswith("/") or target.startswith("//") or "\\" in target:
            target = landing(loaded)
        return redirect(target)
    return render_template("auth/login.html", email="")


@bp.post("/deconnexion")
@writes
def logout() -> Any:
    logout_user()
    session.clear()
    return redirect(url_for("auth.login"))
