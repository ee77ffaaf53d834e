"""Sync lists of books and statements for the JSON API (the others are in
:mod:`voucher.services.access.api_reads`): walked by id with an opaque cursor, and with
``updated_since`` the rows created or changed since.

What "changed" means, from what the rows and their neighbours record:

* a book: issued (its batch created), handed out, reported, moved, replaced (its audit
  events), or one of its vouchers changed state (scanned, cancelled, expired...);
* a statement: issued, sent in a payment run, settled (paid or rejected by the bank).

Who sees what is the rule of the single reads: a book through its programme (funder,
finance) or its holder (prescriber); a statement through its structure (reception) or
all of its programmes (funder, finance).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from voucher.db.models import (
    AuditEvent,
    Batch,
    Book,
    PaymentRun,
    PaymentTransfer,
    Statement,
    Voucher,
)
from voucher.domain.cursor import Cursor
from voucher.domain.errors import DomainError
from voucher.services.access.api_reads import MAX_PAGE, SyncPage, Viewer, sync_page
from voucher.services.finance.scope import statement_in_scope


def _walk(session: Session, query: Any, id_column: Any, walk: Cursor, size: int) -> SyncPage:
    size = max(1, min(size, MAX_PAGE))
    rows = list(
        session.scalars(query.where(id_column > walk.after).order_by(id_column).limit(size + 1))
    )
    return sync_page(rows, size, walk, lambda row: int(row.id))


def sync_books(session: Session, viewer: Viewer, walk: Cursor, size: int) -> SyncPage:
    q = select(Book).where(viewer.sees(programme=Book.programme_id, prescriber=Book.holder_id))
    if walk.status is not None:
        q = q.where(Book.status == walk.status)
    if walk.since is not None:
        since = walk.since
        q = q.where(
            or_(
                exists().where(Batch.id == Book.batch_id, Batch.created_at >= since),
                Book.handed_out_at >= since,
                Book.reported_at >= since,
                exists().where(Voucher.book_id == Book.id, Voucher.updated_at >= since),
                exists().where(
                    AuditEvent.object_type == "book",
                    AuditEvent.object_id == Book.id,
                    AuditEvent.at >= since,
                ),
            )
        )
    return _walk(session, q, Book.id, walk, size)


def _statements_seen(viewer: Viewer) -> Any:
    if viewer.role == "reception":
        return Statement.structure_id == viewer.organisation_id
    if viewer.role in ("funder", "finance") and not viewer.scope.empty:
        return statement_in_scope(viewer.scope)
    return Statement.id.is_(None)


def sync_statements(session: Session, viewer: Viewer, walk: Cursor, size: int) -> SyncPage:
    q = select(Statement).where(_statements_seen(viewer))
    if walk.status is not None:
        q = q.where(Statement.status == walk.status)
    if walk.since is not None:
        since = walk.since
        moved = exists(
            select(PaymentTransfer.id)
            .join(PaymentRun, PaymentRun.id == PaymentTransfer.run_id)
            .where(
                PaymentTransfer.statement_id == Statement.id,
                or_(PaymentRun.created_at >= since, PaymentTransfer.settled_at >= since),
            )
        )
        q = q.where(or_(Statement.created_at >= since, Statement.paid_at >= since, moved))
    return _walk(session, q, Statement.id, walk, size)


def statement(session: Session, viewer: Viewer, statement_id: int) -> Statement:
    found = session.scalar(
        select(Statement).where(and_(Statement.id == statement_id, _statements_seen(viewer)))
    )
    if found is None:
        raise DomainError("not_found", object="statement")
    return found
