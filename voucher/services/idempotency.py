"""Stored answers of idempotent writes (see :mod:`voucher.domain.idempotency`).

Rules kept:

* a key belongs to one organisation and one scope; it is claimed (inserted) **before** the
  work it names, in the same transaction, and completed with the answer before commit: a
  committed record always carries its answer;
* two transactions claiming the same key: the unique constraint makes the second wait for
  the first and then fail (``IntegrityError``, raised to the caller, who rolls back — or
  back to its savepoint — and reads the winner's answer with :func:`find`);
* like every service, nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, update
from sqlalchemy.orm import Session

from voucher.db.models import IdempotencyRecord
from voucher.domain.calendar import utcnow

RECORDS = cast(Table, IdempotencyRecord.__table__)
_C = RECORDS.c
_FIND = select(_C.id, _C.fingerprint, _C.status, _C.body).where(
    _C.organisation_id == bindparam("org"), _C.scope == bindparam("scope"), _C.key == bindparam("key"))
_CLAIM = insert(RECORDS).returning(_C.id)
_COMPLETE = update(RECORDS).where(_C.id == bindparam("rid")).values(
    status=bindparam("status"), body=bindparam("body"), completed_at=bindparam("now"))


@dataclass(frozen=True)
class Stored:
    id: int
    fingerprint: str
    status: int | None
    body: str | None


def find(session: Session, organisation_id: int, scope: str, key: str) -> Stored | None:
    row = session.connection().execute(_FIND, {"org": organisation_id, "scope": scope, "key": key}).first()
    if row is None:
        return None
    return Stored(int(row.id), str(row.fingerprint), row.status, row.body)


def claim(session: Session, *, organisation_id: int, api_key_id: int | None, scope: str, key: str,
          fingerprint: str) -> int:
    """Insert the record (no answer yet); ``IntegrityError`` if the key is taken."""
    params: dict[str, Any] = dict(organisation_id=organisation_id, api_key_id=api_key_id, scope=scope,
                                  key=key, fingerprint=fingerprint, status=None, body=None,
                                  created_at=utcnow(), completed_at=None)
    return int(session.connection().execute(_CLAIM, params).scalar_one())


def complete(session: Session, record_id: int, status: int, body: str) -> None:
    session.connection().execute(_COMPLETE, {"rid": record_id, "status": status, "body": body, "now": utcnow()})
