"""What an API key may see: scoped, paginated reads for the JSON API.

Rules kept (TRUST.md, "access"):

* ``funder`` and ``finance`` keys see the programmes their organisation funds (finance of
  an operator: every programme), and the batches, books, scans and holds of those
  programmes (:mod:`voucher.services.access.programme_scope`);
* a ``prescriber`` key sees the batches addressed to its organisation and the books it
  holds; a ``reception`` key sees its own structure's scans;
* anything outside that answers ``not_found`` — the same answer as an id that does not
  exist, so a key learns nothing about other organisations;
* no read returns a beneficiary (not even an internal id) nor a voucher code outside the
  funder's codes export; lists are ordered by id and paginated (``page`` from 1,
  ``page_size`` at most ``MAX_PAGE``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import exists, false, func, or_, select
from sqlalchemy.orm import Session

from voucher.db.models import (
    Batch,
    Book,
    Hold,
    Label,
    Organisation,
    Programme,
    ProgrammeFunder,
    Redemption,
    Voucher,
)
from voucher.domain import cursor as cursors
from voucher.domain.calendar import utcnow
from voucher.domain.cursor import Cursor
from voucher.domain.errors import DomainError
from voucher.services.access.programme_scope import Scope, scope_for
from voucher.services.context import Actor

MAX_PAGE = 200


@dataclass(frozen=True)
class Viewer:
    role: str
    organisation_id: int
    scope: Scope

    def sees(self, *, programme: Any = None, prescriber: Any = None, structure: Any = None) -> Any:
        """A SQL condition: the rows this key may see, given the columns that tie them to
        an organisation."""
        if self.role in ("funder", "finance") and programme is not None:
            return self.scope.where(programme)
        if self.role == "prescriber" and prescriber is not None:
            return prescriber == self.organisation_id
        if self.role == "reception" and structure is not None:
            return structure == self.organisation_id
        return false()


def viewer_for(session: Session, actor: Actor) -> Viewer:
    if actor.organisation_id is None or actor.role is None:
        raise DomainError("forbidden")
    return Viewer(actor.role, actor.organisation_id, scope_for(session, actor))


@dataclass(frozen=True)
class Page:
    items: list[Any]
    total: int
    page: int
    page_size: int


def _page(session: Session, query: Any, page: int, page_size: int) -> Page:
    size = max(1, min(page_size, MAX_PAGE))
    number = max(1, page)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    rows = session.execute(query.limit(size).offset((number - 1) * size)).all()
    return Page([r[0] if len(r) == 1 else r for r in rows], int(total), number, size)


@dataclass(frozen=True)
class SyncPage:
    """One page of a walk: ``next_cursor`` is None on the last page; ``as_of`` is the
    ``updated_since`` to send on the next walk (the same on every page of this walk)."""

    items: list[Any]
    next_cursor: str | None
    as_of: datetime


#: how far before the first page ``as_of`` is set, so that a row committed late by a
#: transaction that started earlier is sent again on the next walk rather than missed
OVERLAP = timedelta(minutes=2)


def walk(text: str | None, *, since: datetime | None = None, status: str | None = None) -> Cursor:
    """The cursor of this page: decoded from the client's text, or a new walk's first."""
    if text:
        return cursors.decode(text)
    return Cursor(0, since, utcnow() - OVERLAP, status)


def sync_page(rows: list[Any], size: int, walk_: Cursor, id_of: Callable[[Any], int]) -> SyncPage:
    """``rows`` were read with ``id > walk_.after`` ordered by id, ``size + 1`` at most."""
    more = len(rows) > size
    rows = rows[:size]
    after = id_of(rows[-1]) if rows else walk_.after
    token = cursors.encode(replace(walk_, after=after)) if more else None
    return SyncPage(rows, token, walk_.as_of or utcnow())


def _sync(session: Session, query: Any, id_column: Any, walk_: Cursor, size: int) -> SyncPage:
    size = max(1, min(size, MAX_PAGE))
    rows = session.execute(
        query.where(id_column > walk_.after).order_by(id_column).limit(size + 1)
    ).all()
    items = [r[0] if len(r) == 1 else r for r in rows]
    return sync_page(items, size, walk_, lambda item: int(_first(item).id))


def _first(item: Any) -> Any:
    return item[0] if isinstance(item, tuple) or hasattr(item, "_fields") else item


def _one(session: Session, query: Any, what: str) -> Any:
    found = session.execute(query).first()
    if found is None:
        raise DomainError("not_found", object=what)
    return found[0] if len(found) == 1 else found


# programmes -------------------------------------------------------------------------------


def programmes(session: Session, viewer: Viewer, page: int, page_size: int) -> Page:
    q = select(Programme).where(viewer.sees(programme=Programme.id)).order_by(Programme.id)
    return _page(session, q, page, page_size)


def programme(session: Session, viewer: Viewer, programme_id: int) -> Programme:
    return _one(
        session,
        select(Programme).where(Programme.id == programme_id, viewer.sees(programme=Programme.id)),
        "programme",
    )


def funders_of(session: Session, programme_id: int) -> list[dict[str, Any]]:
    rows = session.execute(
        select(ProgrammeFunder.funder_id, Organisation.name, ProgrammeFunder.share_bp)
        .join(Organisation, Organisation.id == ProgrammeFunder.funder_id)
        .where(ProgrammeFunder.programme_id == programme_id)
        .order_by(ProgrammeFunder.funder_id)
    ).all()
    return [{"id": i, "name": n, "share_bp": s} for i, n, s in rows]


# batches and books ------------------------------------------------------------------------


def batches(session: Session, viewer: Viewer, page: int, page_size: int) -> Page:
    q = (
        select(Batch)
        .where(viewer.sees(programme=Batch.programme_id, prescriber=Batch.prescriber_id))
        .order_by(Batch.id)
    )
    return _page(session, q, page, page_size)


def sync_batches(session: Session, viewer: Viewer, walk_: Cursor, size: int) -> SyncPage:
    q = select(Batch).where(
        viewer.sees(programme=Batch.programme_id, prescriber=Batch.prescriber_id)
    )
    if walk_.since is not None:
        since = walk_.since
        q = q.where(
            or_(
                Batch.created_at >= since,
                Batch.activated_at >= since,
                Batch.acknowledged_at >= since,
                Batch.proof_approved_at >= since,
                Batch.printed_at >= since,
            )
        )
    return _sync(session, q, Batch.id, walk_, size)


def batch(session: Session, viewer: Viewer, batch_id: int) -> Batch:
    return _one(
        session,
        select(Batch).where(
            Batch.id == batch_id,
            viewer.sees(programme=Batch.programme_id, prescriber=Batch.prescriber_id),
        ),
        "batch",
    )


def batch_codes(session: Session, viewer: Viewer, batch_id: int) -> Any:
    """(serial, position, code, state) of every voucher of a batch, for its funder only."""
    if viewer.role != "funder":
        raise DomainError("not_found", object="batch")
    found = batch(session, viewer, batch_id)
    return session.execute(
        select(Book.serial, Voucher.position, Voucher.code, Voucher.state)
        .join(Voucher, Voucher.book_id == Book.id)
        .where(Book.batch_id == found.id)
        .order_by(Book.serial, Voucher.position)
    ).yield_per(5000)


def book(session: Session, viewer: Viewer, serial: int) -> Book:
    return _one(
        session,
        select(Book).where(
            Book.serial == serial,
            viewer.sees(programme=Book.programme_id, prescriber=Book.holder_id),
        ),
        "book",
    )


def book_states(session: Session, book_id: int) -> dict[str, int]:
    rows = session.execute(
        select(Voucher.state, func.count())
        .where(Voucher.book_id == book_id)
        .group_by(Voucher.state)
    ).all()
    return {str(s): int(n) for s, n in rows}


# scans ------------------------------------------------------------------------------------

_SCAN_COLUMNS = (Redemption, Voucher.code, Book.serial, Voucher.position)


def _scans() -> Any:
    return (
        select(*_SCAN_COLUMNS)
        .join(Voucher, Voucher.id == Redemption.voucher_id)
        .join(Book, Book.id == Redemption.book_id)
    )


def scans(
    session: Session, viewer: Viewer, page: int, page_size: int, *, status: str | None = None
) -> Page:
    q = _scans().where(
        viewer.sees(programme=Redemption.programme_id, structure=Redemption.structure_id)
    )
    if status is not None:
        q = q.where(Redemption.status == status)
    return _page(session, q.order_by(Redemption.id), page, page_size)


def sync_scans(session: Session, viewer: Viewer, walk_: Cursor, size: int) -> SyncPage:
    """Scans by id; with ``since``, those recorded, cancelled or whose hold was decided
    since then."""
    q = _scans().where(
        viewer.sees(programme=Redemption.programme_id, structure=Redemption.structure_id)
    )
    if walk_.status is not None:
        q = q.where(Redemption.status == walk_.status)
    if walk_.since is not None:
        since = walk_.since
        decided = exists(
            select(Hold.id).where(Hold.redemption_id == Redemption.id, Hold.decided_at >= since)
        )
        q = q.where(or_(Redemption.recorded_at >= since, Redemption.cancelled_at >= since, decided))
    return _sync(session, q, Redemption.id, walk_, size)


def scan(session: Session, viewer: Viewer, redemption_id: int) -> Any:
    return _one(
        session,
        _scans().where(
            Redemption.id == redemption_id,
            viewer.sees(programme=Redemption.programme_id, structure=Redemption.structure_id),
        ),
        "redemption",
    )


# structures (a public directory: no bank details, no contact) -----------------------------


def structures(session: Session, page: int, page_size: int) -> Page:
    q = select(Organisation).where(Organisation.is_structure.is_(True)).order_by(Organisation.id)
    return _page(session, q, page, page_size)


def structure(session: Session, structure_id: int) -> Organisation:
    return _one(
        session,
        select(Organisation).where(
            Organisation.id == structure_id, Organisation.is_structure.is_(True)
        ),
        "structure",
    )


def labels_of(session: Session, organisation_ids: list[int]) -> dict[int, list[Label]]:
    out: dict[int, list[Label]] = {i: [] for i in organisation_ids}
    if organisation_ids:
        for label in session.scalars(
            select(Label).where(Label.organisation_id.in_(organisation_ids)).order_by(Label.id)
        ):
            out[label.organisation_id].append(label)
    return out


def holds_count(session: Session, viewer: Viewer, status: str) -> int:
    return int(
        session.scalar(
            select(func.count())
            .select_from(Hold)
            .where(viewer.scope.where(Hold.programme_id), Hold.status == status)
        )
        or 0
    )


def require_operator(session: Session, actor: Actor) -> None:
    """The whole ledger is the operator's to read: ``forbidden`` for any other organisation."""
    if not session.scalar(
        select(Organisation.is_operator).where(Organisation.id == actor.organisation_id)
    ):
        raise DomainError("forbidden")
