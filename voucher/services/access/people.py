"""People who act: users with argon2-hashed passwords and roles scoped to an organisation
(machines act with API keys: :mod:`voucher.services.access.api_keys`).

Rules kept: an e-mail is unique (compared in lower case); a password has at least
``MIN_PASSWORD`` characters; a role fits the kind of organisation it acts for when an
administrator grants it. Nothing is deleted: a deactivated account keeps its history (its
audit events name it), and nobody deactivates themselves. Every change is audited with the
acting person.
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from voucher.db.models import Organisation, RoleGrant, User
from voucher.db.models.auth import ROLES
from voucher.domain.calendar import utcnow
from voucher.domain.errors import DomainError
from voucher.services import audit
from voucher.services.context import Actor

_hasher = PasswordHasher()
MIN_PASSWORD = 12


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_password(user: User, password: str) -> bool:
    try:
        return _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def create_user(
    session: Session,
    actor: Actor,
    *,
    email: str,
    name: str,
    password: str,
    grants: list[tuple[int, str]],
) -> User:
    email = email.strip().lower()
    if "@" not in email:
        raise DomainError("invalid_value", field="email")
    if len(password) < MIN_PASSWORD:
        raise DomainError(
            "invalid_value",
            field="password",
            message=f"Le mot de passe doit compter au moins {MIN_PASSWORD} caractères.",
        )
    if session.scalar(select(User.id).where(User.email == email)):
        raise DomainError("duplicate", field="email")
    user = User(
        email=email,
        name=name,
        password_hash=hash_password(password),
        active=True,
        created_at=utcnow(),
    )
    session.add(user)
    session.flush()
    for org_id, role in grants:
        grant(session, actor, user.id, org_id, role)
    audit.record(session, actor, "user.create", ("user", user.id), email=email)
    return user


def grant(
    session: Session, actor: Actor, user_id: int, organisation_id: int, role: str
) -> RoleGrant:
    if role not in ROLES:
        raise DomainError("invalid_value", field="role")
    g = RoleGrant(user_id=user_id, organisation_id=organisation_id, role=role)
    session.add(g)
    session.flush()
    audit.record(
        session, actor, "user.grant", ("user", user_id), organisation_id=organisation_id, role=role
    )
    return g


#: which kind of organisation each role acts for (evaluator and admin: any organisation)
ROLE_NEEDS = {
    "funder": ("is_funder",),
    "prescriber": ("is_prescriber",),
    "reception": ("is_structure",),
    "finance": ("is_funder", "is_operator"),
}
ROLE_NEEDS_FR = {
    "funder": "un financeur",
    "prescriber": "un prescripteur",
    "reception": "un lieu labellisé",
    "finance": "un financeur ou l'opérateur",
}


def check_role_fits(session: Session, organisation_id: int, role: str) -> None:
    """A reception role on a funder (say) could never act: refuse it when it is granted."""
    org = session.get(Organisation, organisation_id)
    if org is None:
        raise DomainError("not_found", object="organisation")
    needs = ROLE_NEEDS.get(role)
    if needs and not any(getattr(org, flag) for flag in needs):
        raise DomainError(
            "invalid_value",
            f"Ce rôle demande une organisation qui est {ROLE_NEEDS_FR[role]}.",
            field="role",
        )


def _user(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise DomainError("not_found", object="user")
    return user


def set_active(session: Session, actor: Actor, user_id: int, *, active: bool) -> User:
    user = _user(session, user_id)
    if not active and actor.user_id == user.id:
        raise DomainError("cannot_deactivate_self")
    if user.active != active:
        user.active = active
        session.flush()
        audit.record(
            session, actor, "user.activate" if active else "user.deactivate", ("user", user.id)
        )
    return user


def add_grant(
    session: Session, actor: Actor, user_id: int, organisation_id: int, role: str
) -> RoleGrant:
    _user(session, user_id)
    exists = session.scalar(
        select(RoleGrant.id).where(
            RoleGrant.user_id == user_id,
            RoleGrant.organisation_id == organisation_id,
            RoleGrant.role == role,
        )
    )
    if exists:
        raise DomainError("duplicate", field="role")
    check_role_fits(session, organisation_id, role)
    return grant(session, actor, user_id, organisation_id, role)


def revoke_grant(session: Session, actor: Actor, grant_id: int) -> None:
    found = session.get(RoleGrant, grant_id)
    if found is None:
        raise DomainError("not_found", object="grant")
    audit.record(
        session,
        actor,
        "user.revoke",
        ("user", found.user_id),
        organisation_id=found.organisation_id,
        role=found.role,
    )
    session.delete(found)
    session.flush()


def reset_password(session: Session, actor: Actor, user_id: int, password: str) -> None:
    user = _user(session, user_id)
    if len(password) < MIN_PASSWORD:
        raise DomainError(
            "invalid_value",
            field="password",
            message=f"Le mot de passe doit compter au moins {MIN_PASSWORD} caractères.",
        )
    user.password_hash = hash_password(password)
    session.flush()
    audit.record(session, actor, "user.password_reset", ("user", user.id))
