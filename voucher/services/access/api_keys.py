"""Machines acting through the API: creating and revoking keys, finding the key behind a
bearer token, recording its last use, listing keys.

Rules kept:

* a key carries 256 random bits and is stored hashed: only its public prefix is kept in
  clear, and its secret is shown once, at creation;
* a key is found by its public prefix and checked against its SHA-256 hash in constant
  time (:func:`find_api_key`); a revoked or expired key finds nothing. It is read on every
  request (one row of plain columns, no ORM object; run by the driver on PostgreSQL): a
  revocation or an expiry holds from the next request on, in every process, with no cache
  to invalidate. The same statement tells whether the key or the request's address had
  a code-guessing failure lately (:func:`find_api_key`'s ``address``);
* its last use is recorded at most once a minute (``TOUCH_EVERY``), with a conditional
  ``UPDATE`` so that concurrent requests never fight over the row; the caller commits it on
  its own, even when the request is refused or only reads;
* listing never shows a secret (only the prefix, which identifies the key in logs).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import CursorResult, Table, bindparam, or_, select, update
from sqlalchemy.orm import Session

from voucher.db import dialect
from voucher.db.models import ApiKey, Organisation, RefusedScan
from voucher.db.models.auth import ROLES
from voucher.domain.calendar import utcnow
from voucher.domain.errors import DomainError
from voucher.services import audit
from voucher.services.context import Actor
from voucher.services.redemption import guessing

TOUCH_EVERY = timedelta(minutes=1)
#: roles that only make sense for one kind of organisation
ROLE_NEEDS = {"reception": "is_structure", "prescriber": "is_prescriber", "funder": "is_funder"}


@dataclass(frozen=True)
class NewKey:
    key: ApiKey
    secret: str  # shown once, never stored


def _digest(secret: str) -> str:
    # API keys carry 256 random bits: a fast keyed-free hash is enough (no dictionary to attack)
    return hashlib.sha256(secret.encode()).hexdigest()


def create_api_key(
    session: Session,
    actor: Actor,
    *,
    organisation_id: int,
    role: str,
    name: str,
    expires_at: datetime | None = None,
    device_label: str | None = None,
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
        expires_at=expires_at,
        device_label=device_label,
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


@dataclass(frozen=True)
class FoundKey:
    """What a request needs of the key behind its bearer token."""

    id: int
    organisation_id: int
    role: str
    name: str
    prefix: str
    last_used_at: datetime | None
    #: no code-guessing failure of the key nor of the request's address was answered after
    #: this time (read with the key), else None
    guessing_clear_after: datetime | None = None


_KEYS = cast(Table, ApiKey.__table__).c
_GUESS_SINCE = bindparam("guess_since", type_=RefusedScan.at.type)
#: the key's row, and whether the key or the address had a code-guessing failure since
#: ``guess_since`` (one statement for both: a scan's source is judged with no read of its own)
_BY_PREFIX = select(
    _KEYS.id,
    _KEYS.organisation_id,
    _KEYS.role,
    _KEYS.name,
    _KEYS.prefix,
    _KEYS.last_used_at,
    _KEYS.key_hash,
    _KEYS.revoked_at,
    _KEYS.expires_at,
    guessing.failed_since(
        {"api_key_id": _KEYS.id, "ip": bindparam("ip", type_=RefusedScan.ip.type)}, _GUESS_SINCE
    ).label("guessed"),
).where(_KEYS.prefix == bindparam("prefix"))


def find_api_key(session: Session, secret: str, *, address: str | None = None) -> FoundKey | None:
    """The valid key behind ``secret``, read on every API request (run by the driver on
    PostgreSQL) with whether the key or the request's ``address`` had a code-guessing
    failure since :func:`voucher.services.redemption.guessing.horizon`: the key's
    ``guessing_clear_after`` is set when neither had."""
    since = guessing.horizon()
    rows = dialect.execute(
        session.connection(),
        _BY_PREFIX,
        {"prefix": secret.split(".", 1)[0], "ip": address, "guess_since": since},
        times=["guess_since"],
        answered_times=("last_used_at", "revoked_at", "expires_at"),
    )
    row = rows[0] if rows else None
    if row is None or row.revoked_at is not None:
        return None
    if row.expires_at is not None and row.expires_at <= utcnow():
        return None
    if not secrets.compare_digest(row.key_hash, _digest(secret)):
        return None
    clear_after = None if row.guessed else since
    return FoundKey(
        row.id, row.organisation_id, row.role, row.name, row.prefix, row.last_used_at, clear_after
    )


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


@dataclass(frozen=True)
class KeyInfo:
    id: int
    prefix: str
    name: str
    role: str
    organisation_id: int
    organisation_name: str
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None
    expires_at: datetime | None = None
    device_label: str | None = None


def create_key(
    session: Session,
    actor: Actor,
    *,
    organisation_id: int,
    role: str,
    name: str,
    expires_at: datetime | None = None,
    device_label: str | None = None,
) -> NewKey:
    """A new key for an existing organisation, with a role that fits it (a ``reception``
    key belongs to a structure, ``prescriber`` to a prescriber, ``funder`` to a funder)."""
    org = session.get(Organisation, organisation_id)
    if org is None:
        raise DomainError("not_found", object="organisation")
    if not name or not name.strip() or len(name) > 100:
        raise DomainError("invalid_value", field="name")
    needed = ROLE_NEEDS.get(role)
    if needed and not getattr(org, needed):
        raise DomainError(
            "invalid_value",
            field="role",
            message="Ce rôle ne correspond pas à cette organisation (lieu, prescripteur ou financeur).",
        )
    if expires_at is not None and expires_at <= utcnow():
        raise DomainError("invalid_value", field="expires_at")
    if device_label is not None and (not device_label.strip() or len(device_label) > 100):
        raise DomainError("invalid_value", field="device_label")
    return create_api_key(
        session,
        actor,
        organisation_id=organisation_id,
        role=role,
        name=name.strip(),
        expires_at=expires_at,
        device_label=device_label.strip() if device_label else None,
    )


#: how long an old key may stay valid after a rotation, at most
ROTATION_OVERLAP_MAX = timedelta(days=90)


def rotate_key(session: Session, actor: Actor, key_id: int, old_valid_until: datetime) -> NewKey:
    """A new key with the same organisation, role, name and device; the old one keeps
    working until ``old_valid_until`` (so devices can be updated one by one), then stops."""
    old = session.get(ApiKey, key_id)
    now = utcnow()
    if old is None or old.revoked_at is not None:
        raise DomainError("not_found", object="api_key")
    if not now < old_valid_until <= now + ROTATION_OVERLAP_MAX:
        raise DomainError("invalid_value", field="old_valid_until")
    if old.expires_at is None or old.expires_at > old_valid_until:
        old.expires_at = old_valid_until
    new = create_api_key(
        session,
        actor,
        organisation_id=old.organisation_id,
        role=old.role,
        name=old.name,
        device_label=old.device_label,
    )
    audit.record(
        session,
        actor,
        "api_key.rotate",
        ("api_key", old.id),
        organisation_id=old.organisation_id,
        new_key_id=new.key.id,
        old_valid_until=old_valid_until.isoformat(),
    )
    return new


def authenticate(session: Session, secret: str, *, address: str | None = None) -> FoundKey | None:
    """:func:`find_api_key` for a bearer token sent to the API from ``address``."""
    if not secret or len(secret) > 200:
        return None
    return find_api_key(session, secret, address=address)


def touch(session: Session, key: FoundKey, now: datetime | None = None) -> bool:
    """Record the key's use if the last one is older than ``TOUCH_EVERY``; True if written."""
    now = now or utcnow()
    if key.last_used_at is not None and now - key.last_used_at < TOUCH_EVERY:
        return False
    moved = cast(
        CursorResult[object],
        session.execute(
            update(ApiKey)
            .where(
                ApiKey.id == key.id,
                or_(ApiKey.last_used_at.is_(None), ApiKey.last_used_at < now - TOUCH_EVERY),
            )
            .values(last_used_at=now)
            .execution_options(synchronize_session=False)
        ),
    )
    return moved.rowcount == 1


def list_keys(session: Session, organisation_id: int | None = None) -> list[KeyInfo]:
    q = (
        select(ApiKey, Organisation.name)
        .join(Organisation, Organisation.id == ApiKey.organisation_id)
        .order_by(ApiKey.id)
    )
    if organisation_id is not None:
        q = q.where(ApiKey.organisation_id == organisation_id)
    return [
        KeyInfo(
            k.id,
            k.prefix,
            k.name,
            k.role,
            k.organisation_id,
            name,
            k.created_at,
            k.last_used_at,
            k.revoked_at,
            k.expires_at,
            k.device_label,
        )
        for k, name in session.execute(q).all()
    ]
