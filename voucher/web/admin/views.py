"""Administration: people and their roles, organisations and their labels, API keys.

Scope: an administrator of an operator organisation administers everything; an
administrator of any other organisation administers only that organisation (its people,
its labels, its keys); anything else answers 404. Creating organisations is the
operator's job (403 for others). Every change goes through a service that audits it with
the acting administrator. An API key's secret is shown once, on the page that created
it (never stored, never cached), and can be revoked.
"""

from __future__ import annotations

from typing import Any

from babel.dates import format_datetime
from flask import Blueprint, abort, flash, redirect, render_template, session, url_for
from werkzeug.wrappers import Response

from voucher.db.models import Organisation
from voucher.db.models.auth import ROLES
from voucher.db.queries import admin as q
from voucher.domain.errors import DomainError
from voucher.services.access import api_keys as machine_keys
from voucher.services.access import people
from voucher.services.organisations import organisations as reference
from voucher.web import forms, sealed
from voucher.web.auth import current_actor, current_org_id, role_required
from voucher.web.db import db, writes

bp = Blueprint("admin", __name__, url_prefix="/admin")
ROLE_FR = {
    "funder": "Financeur",
    "prescriber": "Prescripteur",
    "reception": "Accueil d'un lieu",
    "finance": "Finance",
    "evaluator": "Évaluation",
    "admin": "Administration",
}
ORG_ROLES_FR = {
    "funder": "financeur",
    "prescriber": "prescripteur",
    "structure": "lieu labellisé",
    "operator": "opérateur",
}


def _scope() -> q.AdminScope:
    return q.scope(db(), current_org_id())


def _org_in_scope(org_id: int) -> Organisation:
    org = db().get(Organisation, org_id)
    if org is None or not _scope().allows(org_id):
        abort(404)
    return org


def _common() -> dict[str, Any]:
    sc = _scope()
    orgs = q.organisations(db(), sc)
    return {
        "scope": sc,
        "roles": ROLES,
        "role_fr": ROLE_FR,
        "org_roles_fr": ORG_ROLES_FR,
        "organisations": orgs,
        "org_options": [(o.id, o.name) for o in orgs],
    }


@bp.get("/")
@role_required("admin")
def index() -> str:
    return render_template("admin/index.html", **_common())


@bp.get("/utilisateurs")
@role_required("admin")
def users() -> str:
    return render_template("admin/users.html", users=q.users(db(), _scope()), **_common())


@bp.post("/utilisateurs")
@writes
@role_required("admin")
def create_user() -> Any:
    try:
        org_id = forms.need_int("organisation_id")
        _org_in_scope(org_id)
        role = forms.text("role", max_len=20)
        people.check_role_fits(db(), org_id, role)
        user = people.create_user(
            db(),
            current_actor(),
            email=forms.text("email"),
            name=forms.text("name"),
            password=forms.text("password", max_len=200),
            grants=[(org_id, role)],
        )
    except DomainError as exc:
        return forms.refuse(exc, "admin/users.html", users=q.users(db(), _scope()), **_common())
    flash(f"Compte créé pour {user.name}.", "success")
    return redirect(url_for("admin.user", user_id=user.id), code=303)


def _user_page(user_id: int, status: int = 200) -> tuple[str, int]:
    sc = _scope()
    user = q.user_visible(db(), sc, user_id)
    if user is None:
        abort(404)
    grants = next((g for u, g in q.users(db(), sc) if u.id == user_id), [])
    return render_template("admin/user.html", user=user, grants=grants, **_common()), status


@bp.get("/utilisateurs/<int:user_id>")
@role_required("admin")
def user(user_id: int) -> Any:
    return _user_page(user_id)


def _user_action(user_id: int, action: Any, done: str) -> Any:
    if q.user_visible(db(), _scope(), user_id) is None:
        abort(404)
    try:
        action()
    except DomainError as exc:
        return _user_page(user_id, forms.fail(exc))
    flash(done, "success")
    return redirect(url_for("admin.user", user_id=user_id), code=303)


@bp.post("/utilisateurs/<int:user_id>/roles")
@writes
@role_required("admin")
def add_grant(user_id: int) -> Any:
    def act() -> None:
        org_id = forms.need_int("organisation_id")
        _org_in_scope(org_id)
        people.add_grant(db(), current_actor(), user_id, org_id, forms.text("role", max_len=20))

    return _user_action(user_id, act, "Rôle ajouté.")


@bp.post("/utilisateurs/<int:user_id>/roles/<int:grant_id>/retirer")
@writes
@role_required("admin")
def revoke_grant(user_id: int, grant_id: int) -> Any:
    sc = _scope()
    grants = next((g for u, g in q.users(db(), sc) if u.id == user_id), [])
    if grant_id not in {g[0] for g in grants}:
        abort(404)
    return _user_action(
        user_id, lambda: people.revoke_grant(db(), current_actor(), grant_id), "Rôle retiré."
    )


@bp.post("/utilisateurs/<int:user_id>/desactiver")
@writes
@role_required("admin")
def deactivate(user_id: int) -> Any:
    return _user_action(
        user_id,
        lambda: people.set_active(db(), current_actor(), user_id, active=False),
        "Compte désactivé : la personne ne peut plus se connecter.",
    )


@bp.post("/utilisateurs/<int:user_id>/reactiver")
@writes
@role_required("admin")
def reactivate(user_id: int) -> Any:
    return _user_action(
        user_id,
        lambda: people.set_active(db(), current_actor(), user_id, active=True),
        "Compte réactivé.",
    )


@bp.post("/utilisateurs/<int:user_id>/mot-de-passe")
@writes
@role_required("admin")
def reset_password(user_id: int) -> Any:
    return _user_action(
        user_id,
        lambda: people.reset_password(
            db(), current_actor(), user_id, forms.text("password", max_len=200)
        ),
        "Mot de passe remplacé.",
    )


@bp.get("/organisations")
@role_required("admin")
def organisations() -> str:
    return render_template("admin/organisations.html", **_common())


def address_from_form() -> reference.Address | None:
    if not any(forms.optional(k) for k in ("street", "postcode", "town")):
        return None
    return reference.Address(
        street_number=forms.optional("street_number", 20) or "",
        street=forms.text("street"),
        postcode=forms.text("postcode", max_len=10),
        town=forms.text("town", max_len=100),
        country=forms.optional("country", 2) or "FR",
    )


@bp.post("/organisations")
@writes
@role_required("admin")
def create_organisation() -> Any:
    if not _scope().everything:
        abort(403)
    try:
        roles = {r for r in ORG_ROLES_FR if forms.optional(f"role_{r}")}
        if not roles:
            raise DomainError(
                "invalid_value", "Choisissez au moins un rôle pour l'organisation.", field="roles"
            )
        org = reference.create_organisation(
            db(),
            current_actor(),
            name=forms.text("name"),
            siret=forms.optional("siret", 20),
            address=address_from_form(),
            commune_insee=forms.optional("commune_insee", 5),
            roles=roles,
            email=forms.optional("email"),
        )
    except DomainError as exc:
        return forms.refuse(exc, "admin/organisations.html", **_common())
    flash(f"Organisation « {org.name} » créée.", "success")
    return redirect(url_for("admin.organisation", org_id=org.id), code=303)


@bp.get("/organisations/<int:org_id>")
@role_required("admin")
def organisation(org_id: int) -> str:
    org = _org_in_scope(org_id)
    return render_template(
        "admin/organisation.html", org=org, labels=q.labels(db(), org_id), **_common()
    )


@bp.post("/organisations/<int:org_id>/labels")
@writes
@role_required("admin")
def add_label(org_id: int) -> Any:
    org = _org_in_scope(org_id)
    try:
        reference.add_label(
            db(),
            current_actor(),
            org_id,
            forms.text("label", max_len=100),
            forms.need_day("valid_from"),
            forms.day("valid_until", required=False),
        )
    except DomainError as exc:
        return forms.refuse(
            exc, "admin/organisation.html", org=org, labels=q.labels(db(), org_id), **_common()
        )
    flash("Label ajouté.", "success")
    return redirect(url_for("admin.organisation", org_id=org_id), code=303)


@bp.get("/cles")
@role_required("admin")
def api_keys() -> Any:
    # the secret of a key just created is shown once, on the page the creation redirects
    # to, then forgotten (popped from the session, where it travels sealed: the session is
    # signed, not encrypted): a reload neither shows it again nor creates a second key
    shown = session.pop("new_api_key", None)
    keys = q.api_keys(db(), _scope())
    new_key = next((k for k, _ in keys if shown and k.id == shown.get("id")), None)
    page = render_template(
        "admin/keys.html",
        keys=keys,
        secret=sealed.unseal(shown.get("secret")) if new_key is not None else None,
        new_key=new_key,
        **_common(),
    )
    return Response(page, mimetype="text/html", headers={"Cache-Control": "no-store"})


@bp.post("/cles")
@writes
@role_required("admin")
def create_api_key() -> Any:
    try:
        org_id = forms.need_int("organisation_id")
        _org_in_scope(org_id)
        new = machine_keys.create_api_key(
            db(),
            current_actor(),
            organisation_id=org_id,
            role=forms.text("role", max_len=20),
            name=forms.text("name", max_len=100),
        )
    except DomainError as exc:
        return forms.refuse(
            exc, "admin/keys.html", keys=q.api_keys(db(), _scope()), secret=None, **_common()
        )
    db().flush()
    session["new_api_key"] = {"id": new.key.id, "secret": sealed.seal(new.secret)}
    return redirect(url_for("admin.api_keys"), code=303)


@bp.post("/cles/<int:key_id>/revoquer")
@writes
@role_required("admin")
def revoke_api_key(key_id: int) -> Any:
    keys = {k.id: (k, org) for k, org in q.api_keys(db(), _scope())}
    if key_id not in keys:
        abort(404)
    key, org = keys[key_id]
    if not forms.confirmed():
        return forms.confirmation(
            title=f"Révoquer la clé « {key.name} »",
            facts=[
                ("Clé", key.name),
                ("Organisation", str(org)),
                ("Préfixe", key.prefix),
                ("Créée le", format_datetime(key.created_at, "d MMM y", locale="fr_FR")),
            ],
            warning="Tout ce qui utilise cette clé sera refusé aussitôt, et une clé révoquée "
            "ne peut pas être rétablie : il faudra en créer une nouvelle.",
            button="Révoquer définitivement la clé",
            back=url_for("admin.api_keys"),
        )
    machine_keys.revoke_api_key(db(), current_actor(), key_id)
    flash("Clé révoquée : elle ne permet plus aucun accès.", "success")
    return redirect(url_for("admin.api_keys"), code=303)


def register(app: Any) -> None:
    app.register_blueprint(bp)
