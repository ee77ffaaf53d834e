"""Finance operations one at a time, and documents numbered without gaps.

* :func:`lock` serialises one finance operation (``close``, ``payment``, ``bank``,
  ``credit_note``): ``SELECT ... FOR UPDATE`` on its ``finance_lock`` row on PostgreSQL; on
  SQLite every write transaction already starts with ``BEGIN IMMEDIATE`` and runs alone.
* :func:`take_numbers` reserves ``n`` consecutive numbers of a (kind, year) sequence while
  its row is locked; the caller's transaction either uses them all or rolls back, so numbers
  are never skipped nor used twice (``UNIQUE (year, seq)`` is the last guard).
"""

from __future__ import annotations

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from voucher.db import dialect
from voucher.db.models import DocumentSequence, FinanceLock


def lock(session: Session, name: str) -> None:
    stmt = dialect.for_update(select(FinanceLock.name).where(FinanceLock.name == name), session)
    if session.execute(stmt).first() is None:  # a database older than this code
        session.execute(insert(FinanceLock).values(name=name))


def take_numbers(session: Session, kind: str, year: int, n: int) -> list[int]:
    """Reserve ``n`` consecutive numbers of the (kind, year) sequence."""
    if n <= 0:
        return []
    key = (DocumentSequence.kind == kind) & (DocumentSequence.year == year)
    session.execute(
        dialect.insert(DocumentSequence, session)
        .values(kind=kind, year=year, last_number=0)
        .on_conflict_do_nothing()
    )
    last = session.execute(
        dialect.for_update(select(DocumentSequence.last_number).where(key), session)
    ).scalar_one()
    session.execute(update(DocumentSequence).where(key).values(last_number=last + n))
    return list(range(last + 1, last + n + 1))
