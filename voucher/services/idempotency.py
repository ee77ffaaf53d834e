"""Stored answers of idempotent writes (see :mod:`voucher.domain.idempotency`).

Rules kept:

* a key belongs to one organisation and one scope; it is claimed (inserted) **before** the
  work it names, in the same transaction, and completed with the answer before commit: a
  committed record always carries its answer;
* two transactions claiming the same key: the unique constraint makes the second wait for
  the first (``INSERT ... ON CONFLICT DO NOTHING``); once the first commits, the second
  claims nothing (:func:`claim` returns None) and reads the winner's answer with
  :func:`find`; if the first rolls back, the second claims the key;
* like every service, nothing here commits. On PostgreSQL the claim and the answer are
  run by the driver (:func:`voucher.db.dialect.run`: rendered once, prepared on the
  server), as the scan's own statements are: they are two of a scan request's statements;
  the answer may carry the transaction's ``COMMIT`` (:func:`complete`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Table, bindparam, select, update
from sqlalchemy.orm import Session

from voucher.db import dialect
from voucher.db.models import IdempotencyRecord
from voucher.domain.calendar import utcnow

RECORDS = cast(Table, IdempotencyRecord.__table__)
_C = RECORDS.c
_FIND = select(_C.id, _C.fingerprint, _C.status, _C.body).where(
    _C.organisation_id == bindparam("org"),
    _C.scope == bindparam("scope"),
    _C.key == bindparam("key"),
)
_CLAIMED = ("organisation_id", "api_key_id", "scope", "key", "fingerprint", "created_at")
_CLAIM = {
    name: ins.values({c: bindparam(c) for c in _CLAIMED})
    .on_conflict_do_nothing(index_elements=["organisation_id", "scope", "key"])
    .returning(_C.id)
    for name, ins in dialect.insert_per_dialect(RECORDS).items()
}
_COMPLETE = (
    update(RECORDS)
    .where(_C.id == bindparam("rid"))
    .values(status=bindparam("status"), body=bindparam("body"), completed_at=bindparam("now"))
    .returning(_C.id)
)


@dataclass(frozen=True)
class Stored:
    id: int
    fingerprint: str
    status: int | None
    body: str | None


def find(session: Session, organisation_id: int, scope: str, key: str) -> Stored | None:
    row = (
        session.connection()
        .execute(_FIND, {"org": organisation_id, "scope": scope, "key": key})
        .first()
    )
    if row is None:
        return None
    return Stored(int(row.id), str(row.fingerprint), row.status, row.body)


def claim(
    session: Session,
    *,
    organisation_id: int,
    api_key_id: int | None,
    scope: str,
    key: str,
    fingerprint: str,
) -> int | None:
    """Insert the record (no answer yet) and return its id; None if the key is taken
    (after waiting for the transaction that took it, if it is still running)."""
    params: dict[str, Any] = dict(
        organisation_id=organisation_id,
        api_key_id=api_key_id,
        scope=scope,
        key=key,
        fingerprint=fingerprint,
        created_at=utcnow(),
    )
    conn = session.connection()
    rows = dialect.execute(conn, dialect.pick(_CLAIM, conn), params, times=["created_at"])
    return int(rows[0].id) if rows else None


def complete(
    session: Session, record_id: int, status: int, body: str, *, commit: bool = False
) -> None:
    """Store the answer; ``commit``: it is the transaction's last statement and carries
    its ``COMMIT`` (PostgreSQL: one round trip for both, :func:`voucher.db.dialect.run`),
    as the caller checked it may (:func:`voucher.web.db.last_statement`)."""
    params = {"rid": record_id, "status": status, "body": body, "now": utcnow()}
    dialect.execute(session.connection(), _COMPLETE, params, times=["now"], commit=commit)
