"""What every finance use case shares: the operation locks, gap-free numbering, and the
finance scope (which programmes a finance user acts on).

* :func:`lock` serialises one finance operation (``close``, ``payment``, ``bank``,
  ``credit_note``): ``SELECT ... FOR UPDATE`` on its ``finance_lock`` row on PostgreSQL; on
  SQLite every write transaction already starts with ``BEGIN IMMEDIATE`` and runs alone.
* :func:`take_numbers` reserves ``n`` consecutive numbers of a (kind, year) sequence while
  its row is locked; the caller's transaction either uses them all or rolls back, so numbers
  are never skipped nor used twice (``UNIQUE (year, seq)`` is the last guard).
* scope: finance staff of the operator act on every programme; finance staff of a funder
  only on the programmes it funds (:mod:`voucher.services.redemption.review_scope`). A statement is in
  scope when **all** its programmes are, so nobody reads another funder's lines.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, insert, not_, select, update
from sqlalchemy.orm import Session

from voucher.db import dialect
from voucher.db.models import DocumentSequence, FinanceLock, Statement, StatementProgramme
from voucher.services.context import Actor
from voucher.services.redemption.review_scope import Scope, scope_for

EVERYTHING = Scope(everything=True)


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


def finance_scope(session: Session, actor: Actor) -> Scope:
    """The system and the command line without ``--as`` act on everything."""
    if actor.user_id is None and actor.api_key_id is None:
        return EVERYTHING
    return scope_for(session, actor)


def statement_in_scope(scope: Scope) -> Any:
    """SQL condition on ``statement``: every programme of the statement is in scope."""
    if scope.everything:
        return Statement.id.isnot(None)
    outside = exists().where(
        StatementProgramme.statement_id == Statement.id,
        not_(scope.where(StatementProgramme.programme_id)),
    )
    return not_(outside)
