"""People and machines who act: users with argon2-hashed passwords and roles scoped to an
organisation; API keys stored hashed (only a prefix is kept to find them)."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from voucher.db.models import ApiKey, RoleGrant, User
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


@dataclass(frozen=True)
class NewKey:
    key: ApiKey
    secret: str  # shown once, never stored


def _digest(secret: str) -> str:
    # API keys carry 256 random bits: a fast keyed-free hash is enough (no dictionary to attack)
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(
    session: Session, actor: Actor, *, organisation_id: int, role: str, name: str
) -> NewKey:
    if role not in ROLES:
        raise DomainError("invalid_value", field="role")
    prefix = "vk_" + secrets.token_hex(6)
    secret = f"{prefix}.{secrets.token_urlsafe(32)}"
    key = ApiKey(
        organisation_id=organisation_id,
        role=role,
        name=name,
        prefix=prefix,
        key_hash=_digest(secret),
        created_at=utcnow(),
        created_by=actor.user_id,
    )
    session.add(key)
    session.flush()
    audit.record(
        session,
        actor,
        "api_key.create",
        ("api_key", key.id),
        organisation_id=organisation_id,
        role=role,
        name=name,
    )
    return NewKey(key, secret)


def find_api_key(session: Session, secret: str) -> ApiKey | None:
    prefix = secret.split(".", 1)[0]
    key = session.scalars(select(ApiKey).where(ApiKey.prefix == prefix)).first()
    if key is None or key.revoked_at is not None:
        return None
    if not secrets.compare_digest(key.key_hash, _digest(secret)):
        return None
    return key


def revoke_api_key(session: Session, actor: Actor, key_id: int) -> ApiKey:
    key = session.get(ApiKey, key_id)
    if key is None:
        raise DomainError("not_found", object="api_key")
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        audit.record(
            session,
            actor,
            "api_key.revoke",
            ("api_key", key.id),
            organisation_id=key.organisation_id,
        )
    return key
