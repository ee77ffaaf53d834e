"""Funds received, batches issued and activated, books acknowledged, moved, lost.

Journal (see docs/chart-of-accounts.md):
* funds received: ``bank`` debit / ``funder_funds`` credit;
* issue: memorandum ``issued`` debit / ``commitment`` credit (face value printed, unfunded);
* activate: memorandum reversed, ``funder_funds`` debit per funder share / ``outstanding``
  credit; one entry per batch, never per voucher.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import func, insert, select, text, update
from sqlalchemy.orm import Session

from voucher import faults
from voucher.db.models import Batch, Book, FundsReceived, Organisation, Programme, Voucher
from voucher.domain import codes, ledger
from voucher.domain.calendar import utcnow
from voucher.domain.errors import DomainError
from voucher.domain.money import split_by_shares
from voucher.services import audit
from voucher.services.context import Actor
from voucher.services.finance import journal
from voucher.services.organisations.organisations import programme_funders

MAX_BOOKS = 100_000
CHUNK = 5_000
Progress = Callable[[int], None]


def _programme(session: Session, programme_id: int, *, lock: bool = False) -> Programme:
    stmt = select(Programme).where(Programme.id == programme_id)
    programme = session.scalars(stmt.with_for_update() if lock else stmt).first()
    if programme is None:
        raise DomainError("not_found", object="programme")
    return programme


def _organisation(session: Session, org_id: int) -> Organisation:
    org = session.get(Organisation, org_id)
    if org is None:
        raise DomainError("not_found", object="organisation")
    return org


def record_funds_received(
    session: Session,
    actor: Actor,
    *,
    programme_id: int,
    funder_id: int,
    amount_cents: int,
    received_on: date,
    reference: str | None = None,
) -> FundsReceived:
    if not isinstance(amount_cents, int) or amount_cents <= 0:
        raise DomainError("invalid_amount")
    _programme(session, programme_id)
    if funder_id not in dict(programme_funders(session, programme_id)):
        raise DomainError("invalid_value", field="funder")
    entry = journal.post(
        session,
        "funds.received",
        ledger.move(amount_cents, ledger.bank(), ledger.funder_funds(funder_id, programme_id)),
        actor=actor,
        memo=reference,
    )
    funds = FundsReceived(
        programme_id=programme_id,
        funder_id=funder_id,
        amount_cents=amount_cents,
        received_on=received_on,
        reference=reference,
        entry_id=entry,
        created_at=utcnow(),
    )
    session.add(funds)
    session.flush()
    audit.record(
        session,
        actor,
        "funds.received",
        ("programme", programme_id),
        funder_id=funder_id,
        amount_cents=amount_cents,
        reference=reference,
    )
    return funds


def _next_serial(session: Session, count: int) -> int:
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(7301)"))  # book serials, per cluster
    last = session.scalar(select(func.max(Book.serial))) or 0
    return int(last) + 1


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
    if not isinstance(books, int) or not 1 <= books <= MAX_BOOKS:
        raise DomainError("invalid_quantity")
    programme = _programme(session, programme_id)
    if programme.status != "open":
        raise DomainError("programme_closed")
    if not _organisation(session, prescriber_id).is_prescriber:
        raise DomainError("not_a_prescriber")
    per_book, face = programme.vouchers_per_book, programme.face_value_cents
    first = _next_serial(session, books)
    now = utcnow()
    batch = Batch(
        programme_id=programme_id,
        prescriber_id=prescriber_id,
        books_count=books,
        vouchers_per_book=per_book,
        face_value_cents=face,
        first_serial=first,
        status="issued",
        created_at=now,
        created_by=actor.user_id,
    )
    session.add(batch)
    session.flush()
    _write_books_and_vouchers(session, batch, first, books, per_book, face, now, progress)
    total = books * per_book * face
    batch.issue_entry_id = journal.post(
        session,
        "batch.issue",
        ledger.move(
            total, ledger.issued(programme_id, prescriber_id), ledger.commitment(programme_id)
        ),
        actor=actor,
        memo=f"lot {batch.id}",
    )
    audit.record(
        session,
        actor,
        "batch.issue",
        ("batch", batch.id),
        programme_id=programme_id,
        prescriber_id=prescriber_id,
        books=books,
        vouchers=books * per_book,
        value_cents=total,
    )
    return batch


def _write_books_and_vouchers(
    session: Session,
    batch: Batch,
    first: int,
    books: int,
    per_book: int,
    face: int,
    now: datetime,
    progress: Progress | None,
) -> None:
    """Chunks of books and their vouchers; ``COPY`` on PostgreSQL (psycopg 3), executemany
    on SQLite. Memory stays flat whatever the batch size."""
    conn = session.connection()
    copy = conn.dialect.name == "postgresql"
    stamp = now.astimezone(UTC).replace(tzinfo=None)
    for start in range(0, books, CHUNK):
        serials = range(first + start, first + min(books, start + CHUNK))
        book_rows = [
            (batch.id, batch.programme_id, s, batch.prescriber_id, "in_stock") for s in serials
        ]
        if copy:
            _copy(conn, "book (batch_id, programme_id, serial, holder_id, status)", book_rows)
        else:
            session.execute(
                insert(Book),
                [
                    dict(
                        zip(
                            ("batch_id", "programme_id", "serial", "holder_id", "status"),
                            r,
                            strict=True,
                        )
                    )
                    for r in book_rows
                ],
            )
        ids = (
            conn.execute(
                select(Book.id)
                .where(
                    Book.batch_id == batch.id, Book.serial >= serials[0], Book.serial <= serials[-1]
                )
                .order_by(Book.serial)
            )
            .scalars()
            .all()
        )
        voucher_rows = [
            (codes.generate(), book_id, batch.programme_id, pos, face, "issued", stamp)
            for book_id in ids
            for pos in range(1, per_book + 1)
        ]
        if copy:
            _copy(
                conn,
                "voucher (code, book_id, programme_id, position, face_value_cents, state, updated_at)",
                voucher_rows,
            )
        else:
            session.execute(
                insert(Voucher),
                [
                    dict(
                        zip(
                            (
                                "code",
                                "book_id",
                                "programme_id",
                                "position",
                                "face_value_cents",
                                "state",
                                "updated_at",
                            ),
                            (*r[:6], now),
                            strict=True,
                        )
                    )
                    for r in voucher_rows
                ],
            )
        if progress:
            progress(len(serials))
        faults.point("issue.books_written")


def _copy(conn: Any, target: str, rows: list[tuple[Any, ...]]) -> None:
    raw = conn.connection.driver_connection
    with raw.cursor() as cur, cur.copy(f"COPY {target} FROM STDIN") as out:
        for row in rows:
            out.write_row(row)


def get_batch(session: Session, batch_id: int, *, lock: bool = False) -> Batch:
    stmt = select(Batch).where(Batch.id == batch_id)
    batch = session.scalars(stmt.with_for_update() if lock else stmt).first()
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
        .where(Book.batch_id == batch.id, Voucher.state == "issued")
        .group_by(Book.holder_id)
    ).all()
    by_holder = {h: n * batch.face_value_cents for h, n in rows}
    return BatchValue(sum(by_holder.values()), by_holder)


def activate_batch(session: Session, actor: Actor, batch_id: int) -> Batch:
    """Funds received -> vouchers active. Each funder's share must be covered by its funds."""
    batch = get_batch(session, batch_id, lock=True)
    if batch.status != "issued":
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
        .where(Voucher.book_id.in_(book_ids), Voucher.state == "issued")
        .values(state="active", updated_at=now)
    )
    batch.status, batch.activated_at = "active", now
    audit.record(session, actor, "batch.activate", ("batch", batch.id), value_cents=value.total)
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


def get_book(session: Session, serial: int, *, lock: bool = False) -> Book:
    stmt = select(Book).where(Book.serial == serial)
    book = session.scalars(stmt.with_for_update() if lock else stmt).first()
    if book is None:
        raise DomainError("not_found", object="book")
    return book


def _unused_by_state(session: Session, book_id: int) -> dict[str, int]:
    rows = session.execute(
        select(Voucher.state, func.count())
        .where(Voucher.book_id == book_id, Voucher.state.in_(("issued", "active", "distributed")))
        .group_by(Voucher.state)
    ).all()
    return {str(k): int(v) for k, v in rows}


def move_book(session: Session, actor: Actor, serial: int, to_prescriber_id: int) -> Book:
    book = get_book(session, serial, lock=True)
    if book.status != "in_stock":
        raise DomainError("book_already_handed_out")
    if not _organisation(session, to_prescriber_id).is_prescriber:
        raise DomainError("not_a_prescriber")
    if to_prescriber_id == book.holder_id:
        raise DomainError("invalid_value", field="prescriber")
    face = _programme(session, book.programme_id).face_value_cents
    pid, src, dst = book.programme_id, book.holder_id, to_prescriber_id
    counts = _unused_by_state(session, book.id)
    postings: list[ledger.Posting] = []
    if counts.get("issued"):
        postings += ledger.move(
            counts["issued"] * face, ledger.issued(pid, dst), ledger.issued(pid, src)
        )
    if counts.get("active"):
        postings += ledger.move(
            counts["active"] * face, ledger.outstanding(pid, src), ledger.outstanding(pid, dst)
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
    if reason not in ("lost", "stolen"):
        raise DomainError("invalid_value", field="reason")
    book = get_book(session, serial, lock=True)
    if book.status in ("lost", "stolen", "expired"):
        raise DomainError("book_unusable")
    face = _programme(session, book.programme_id).face_value_cents
    pid, holder = book.programme_id, book.holder_id
    counts = _unused_by_state(session, book.id)
    postings: list[ledger.Posting] = []
    if counts.get("issued"):
        postings += ledger.move(
            counts["issued"] * face, ledger.commitment(pid), ledger.issued(pid, holder)
        )
    funded = counts.get("active", 0) + counts.get("distributed", 0)
    if funded:
        postings += ledger.move(
            funded * face, ledger.outstanding(pid, holder), ledger.breakage(pid)
        )
    if postings:
        journal.post(session, f"book.{reason}", postings, actor=actor, memo=f"carnet {serial}")
    session.execute(
        update(Voucher)
        .where(Voucher.book_id == book.id, Voucher.state.in_(("issued", "active", "distributed")))
        .values(state="cancelled", updated_at=utcnow())
    )
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
