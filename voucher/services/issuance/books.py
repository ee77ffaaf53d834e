"""Books after issuance: moved between prescribers while in stock, reported lost or stolen.

Rules kept:

* only a book in stock (not handed out) moves, to another prescriber; the value of its
  unused vouchers moves with it (memorandum ``issued`` if unfunded, ``outstanding`` if
  funded), in one journal entry;
* a lost or stolen book must still be in use (in stock or handed out); every unused voucher
  is cancelled, its value to ``breakage`` (or, if never funded, the memorandum reversed);
  its redeemed or held vouchers keep their state;
* book serials are unique and taken in order, one issuer at a time.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from voucher.db import dialect
from voucher.db.models import Batch, Book, Voucher
from voucher.domain import ledger, states
from voucher.domain.calendar import utcnow
from voucher.domain.errors import DomainError
from voucher.domain.states import BOOK_IN_USE, BOOK_REPORT_REASONS, UNUSED
from voucher.domain.states import BookStatus as B
from voucher.domain.states import VoucherState as S
from voucher.services import audit
from voucher.services.context import Actor
from voucher.services.finance import journal
from voucher.services.organisations.organisations import get_organisation
from voucher.services.programmes.programmes import get_programme


def next_serial(session: Session) -> int:
    """The first free book serial; serials are taken in order, once (locked until commit).
    A batch reserves its serials when it is recorded: one still being issued chunk by chunk
    (``issuing``) keeps its range, whatever is issued meanwhile."""
    dialect.lock_operation(session, "book_serials")
    last = session.scalar(select(func.max(Book.serial))) or 0
    reserved = session.scalar(select(func.max(Batch.first_serial + Batch.books_count - 1))) or 0
    return int(max(last, reserved)) + 1


def get_book(session: Session, serial: int, *, lock: bool = False) -> Book:
    stmt = select(Book).where(Book.serial == serial)
    book = session.scalars(dialect.for_update(stmt, session) if lock else stmt).first()
    if book is None:
        raise DomainError("not_found", object="book")
    return book


def _unused_by_state(session: Session, book_id: int) -> dict[str, int]:
    rows = session.execute(
        select(Voucher.state, func.count())
        .where(Voucher.book_id == book_id, Voucher.state.in_(UNUSED))
        .group_by(Voucher.state)
    ).all()
    return {str(k): int(v) for k, v in rows}


def move_book(session: Session, actor: Actor, serial: int, to_prescriber_id: int) -> Book:
    book = get_book(session, serial, lock=True)
    if book.status != B.IN_STOCK:
        raise DomainError("book_already_handed_out")
    if not get_organisation(session, to_prescriber_id).is_prescriber:
        raise DomainError("not_a_prescriber")
    if to_prescriber_id == book.holder_id:
        raise DomainError("invalid_value", field="prescriber")
    face = get_programme(session, book.programme_id).face_value_cents
    pid, src, dst = book.programme_id, book.holder_id, to_prescriber_id
    counts = _unused_by_state(session, book.id)
    postings: list[ledger.Posting] = []
    if counts.get(S.ISSUED):
        postings += ledger.move(
            counts[S.ISSUED] * face, ledger.issued(pid, dst), ledger.issued(pid, src)
        )
    if counts.get(S.ACTIVE):
        postings += ledger.move(
            counts[S.ACTIVE] * face, ledger.outstanding(pid, src), ledger.outstanding(pid, dst)
        )
    if postings:
        journal.post(session, "book.move", postings, actor=actor, memo=f"carnet {serial}")
    book.holder_id = dst
    audit.record(
        session, actor, "book.move", ("book", book.id), serial=serial, from_id=src, to_id=dst
    )
    return book


def report_book(session: Session, actor: Actor, serial: int, *, reason: str) -> Book:
    """Lost or stolen: every unused voucher of the book is cancelled, its value to breakage
    (or, if never funded, the memorandum reversed)."""
    if reason not in BOOK_REPORT_REASONS:
        raise DomainError("invalid_value", field="reason")
    book = get_book(session, serial, lock=True)
    if book.status not in BOOK_IN_USE:
        raise DomainError("book_unusable")
    face = get_programme(session, book.programme_id).face_value_cents
    pid, holder = book.programme_id, book.holder_id
    counts = _unused_by_state(session, book.id)
    postings: list[ledger.Posting] = []
    if counts.get(S.ISSUED):
        postings += ledger.move(
            counts[S.ISSUED] * face, ledger.commitment(pid), ledger.issued(pid, holder)
        )
    funded = counts.get(S.ACTIVE, 0) + counts.get(S.DISTRIBUTED, 0)
    if funded:
        postings += ledger.move(
            funded * face, ledger.outstanding(pid, holder), ledger.breakage(pid)
        )
    if postings:
        journal.post(session, f"book.{reason}", postings, actor=actor, memo=f"carnet {serial}")
    session.execute(
        update(Voucher)
        .where(
            Voucher.book_id == book.id,
            Voucher.state.in_(states.check_move(UNUSED, S.CANCELLED)),
        )
        .values(state=S.CANCELLED, updated_at=utcnow())
    )
    states.check_book_move([book.status], reason)
    book.status, book.reported_at = reason, utcnow()
    audit.record(
        session,
        actor,
        f"book.{reason}",
        ("book", book.id),
        serial=serial,
        cancelled=sum(counts.values()),
    )
    return book
