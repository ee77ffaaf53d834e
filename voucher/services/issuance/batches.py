"""Batches issued, activated and acknowledged (funds: :mod:`.funds`; books: :mod:`.books`).

Rules kept: a batch is issued for an open programme to a prescriber, 1 to ``MAX_BOOKS``
books of the programme's size, all or nothing; it activates once, when each funder's
share of its value is covered by that funder's funds received.

Journal (see docs/chart-of-accounts.md):
* issue: memorandum ``issued`` debit / ``commitment`` credit (face value printed, unfunded);
* activate: memorandum reversed, ``funder_funds`` debit per funder share / ``outstanding``
  credit; one entry per batch, never per voucher.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from voucher import faults
from voucher.db import dialect
from voucher.db.models import Batch, Book, Voucher
from voucher.domain import codes, ledger, states
from voucher.domain.calendar import utcnow
from voucher.domain.errors import DomainError
from voucher.domain.money import split_by_shares
from voucher.domain.states import BatchStatus, ProgrammeStatus
from voucher.domain.states import BookStatus as B
from voucher.domain.states import VoucherState as S
from voucher.services import audit
from voucher.services.context import Actor
from voucher.services.finance import journal
from voucher.services.issuance import bulk
from voucher.services.issuance.books import next_serial
from voucher.services.organisations.organisations import get_organisation
from voucher.services.programmes.programmes import get_programme, programme_funders
from voucher.services.webhooks import events

MAX_BOOKS = 100_000
CHUNK = 5_000
Progress = Callable[[int], None]


def issue_batch(
    session: Session,
    actor: Actor,
    *,
    programme_id: int,
    prescriber_id: int,
    books: int,
    progress: Progress | None = None,
) -> Batch:
    """Create ``books`` books of the programme's size for a prescriber, all or nothing."""
    batch = new_batch(
        session,
        actor,
        programme_id=programme_id,
        prescriber_id=prescriber_id,
        books=books,
        status=BatchStatus.ISSUED,
    )
    per_book, face = batch.vouchers_per_book, batch.face_value_cents
    write_books_and_vouchers(
        session, batch, batch.first_serial, books, per_book, face, batch.created_at, progress
    )
    batch.issue_entry_id = post_issue(session, actor, batch, books)
    record_issue(session, actor, batch)
    return batch


def new_batch(
    session: Session,
    actor: Actor,
    *,
    programme_id: int,
    prescriber_id: int,
    books: int,
    status: str,
) -> Batch:
    """The batch row, its serials reserved (:func:`next_serial` counts them taken), no book
    yet; refused if the quantity, the programme or the prescriber is wrong."""
    if not isinstance(books, int) or not 1 <= books <= MAX_BOOKS:
        raise DomainError("invalid_quantity")
    programme = get_programme(session, programme_id)
    if programme.status != ProgrammeStatus.OPEN:
        raise DomainError("programme_closed")
    if not get_organisation(session, prescriber_id).is_prescriber:
        raise DomainError("not_a_prescriber")
    batch = Batch(
        programme_id=programme_id,
        prescriber_id=prescriber_id,
        books_count=books,
        vouchers_per_book=programme.vouchers_per_book,
        face_value_cents=programme.face_value_cents,
        first_serial=next_serial(session),
        status=status,
        created_at=utcnow(),
        created_by=actor.user_id,
    )
    session.add(batch)
    session.flush()
    return batch


def post_issue(session: Session, actor: Actor, batch: Batch, books: int, memo: str = "") -> int:
    """The memorandum of ``books`` books of the batch: ``issued`` debit, ``commitment``
    credit, one balanced entry."""
    return journal.post(
        session,
        "batch.issue",
        ledger.move(
            books * batch.vouchers_per_book * batch.face_value_cents,
            ledger.issued(batch.programme_id, batch.prescriber_id),
            ledger.commitment(batch.programme_id),
        ),
        actor=actor,
        memo=f"lot {batch.id}{memo}",
    )


def record_issue(session: Session, actor: Actor, batch: Batch) -> None:
    books, per_book = batch.books_count, batch.vouchers_per_book
    audit.record(
        session,
        actor,
        "batch.issue",
        ("batch", batch.id),
        programme_id=batch.programme_id,
        prescriber_id=batch.prescriber_id,
        books=books,
        vouchers=books * per_book,
        value_cents=books * per_book * batch.face_value_cents,
    )


def write_books_and_vouchers(
    session: Session,
    batch: Batch,
    first: int,
    books: int,
    per_book: int,
    face: int,
    now: datetime,
    progress: Progress | None,
) -> None:
    """Chunks of books and their vouchers, loaded in bulk (:mod:`.bulk`): memory stays
    flat whatever the batch size."""
    programme_id, state = batch.programme_id, str(S.ISSUED)  # read once, not per voucher
    for start in range(0, books, CHUNK):  # serials first .. first + books - 1
        serials = range(first + start, first + min(books, start + CHUNK))
        ids = bulk.write_books(
            session, batch.id, programme_id, batch.prescriber_id, str(B.IN_STOCK), serials
        )
        bulk.write_vouchers(
            session,
            ids,
            codes.generate_many(len(ids) * per_book),
            programme_id=programme_id,
            per_book=per_book,
            face=face,
            state=state,
            now=now,
        )
        if progress:
            progress(start + len(serials))  # books written so far
        faults.point("issue.books_written")


def get_batch(session: Session, batch_id: int, *, lock: bool = False) -> Batch:
    stmt = select(Batch).where(Batch.id == batch_id)
    batch = session.scalars(dialect.for_update(stmt, session) if lock else stmt).first()
    if batch is None:
        raise DomainError("not_found", object="batch")
    return batch


@dataclass(frozen=True)
class BatchValue:
    total: int
    issued_by_holder: dict[int, int]


def _issued_value(session: Session, batch: Batch) -> BatchValue:
    rows = session.execute(
        select(Book.holder_id, func.count(Voucher.id))
        .join(Voucher, Voucher.book_id == Book.id)
        .where(Book.batch_id == batch.id, Voucher.state == S.ISSUED)
        .group_by(Book.holder_id)
    ).all()
    by_holder = {h: n * batch.face_value_cents for h, n in rows}
    return BatchValue(sum(by_holder.values()), by_holder)


def activate_batch(session: Session, actor: Actor, batch_id: int) -> Batch:
    """Funds received -> vouchers active. Each funder's share must be covered by its funds."""
    batch = get_batch(session, batch_id, lock=True)
    if batch.status == BatchStatus.ISSUING:
        raise DomainError("batch_issuing")
    if batch.status != BatchStatus.ISSUED:
        raise DomainError("batch_already_active")
    pid = batch.programme_id
    value = _issued_value(session, batch)
    shares = programme_funders(session, pid)
    parts = split_by_shares(value.total, [(str(f), bp) for f, bp in shares])
    postings: list[ledger.Posting] = []
    for funder_id, _ in shares:
        need = parts[str(funder_id)]
        available = -journal.balance(session, ledger.funder_funds(funder_id, pid))
        if available < need:
            raise DomainError(
                "insufficient_funds",
                funder_id=funder_id,
                needed_cents=need,
                available_cents=available,
            )
        postings.append(ledger.Posting(ledger.funder_funds(funder_id, pid), need))
    for holder, amount in value.issued_by_holder.items():
        postings += ledger.move(amount, ledger.commitment(pid), ledger.issued(pid, holder))
        postings.append(ledger.Posting(ledger.outstanding(pid, holder), -amount))
    if value.total:  # a batch whose books were all lost before funding moves no money
        batch.activate_entry_id = journal.post(
            session, "batch.activate", postings, actor=actor, memo=f"lot {batch.id}"
        )
    now = utcnow()
    book_ids = select(Book.id).where(Book.batch_id == batch.id).scalar_subquery()
    session.execute(
        update(Voucher)
        .where(
            Voucher.book_id.in_(book_ids),
            Voucher.state.in_(states.check_move([S.ISSUED], S.ACTIVE)),
        )
        .values(state=S.ACTIVE, updated_at=now)
    )
    batch.status, batch.activated_at = BatchStatus.ACTIVE, now
    audit.record(session, actor, "batch.activate", ("batch", batch.id), value_cents=value.total)
    events.emit(
        session,
        "batch.activated",
        {"batch_id": batch.id, "programme_id": batch.programme_id, "books": batch.books_count},
        [batch.prescriber_id, *events.funders_of(session, batch.programme_id)],
    )
    return batch


def acknowledge_batch(session: Session, actor: Actor, batch_id: int, prescriber_id: int) -> Batch:
    batch = get_batch(session, batch_id, lock=True)
    if batch.prescriber_id != prescriber_id:
        raise DomainError("not_found", object="batch")
    if batch.acknowledged_at is not None:
        raise DomainError("already_acknowledged")
    batch.acknowledged_at, batch.acknowledged_by = utcnow(), actor.user_id
    audit.record(
        session, actor, "batch.acknowledge", ("batch", batch.id), organisation_id=prescriber_id
    )
    return batch
