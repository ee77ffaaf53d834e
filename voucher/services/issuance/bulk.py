"""A chunk of a batch's books and their vouchers, written in bulk (:mod:`.batches` decides
what is written; this module only how).

On PostgreSQL the books are one ``INSERT … SELECT`` over the serials, their ids returned
(nothing sent per book, nothing read back); the vouchers one ``COPY`` whose text the chunk
assembles at once (codes are digits, the other values numbers, a state name and a time:
nothing to escape), instead of one row at a time through the driver. SQLite inserts the
same rows through :func:`voucher.db.dialect.bulk_insert`. Either way the database checks
every row as for any other write (keys, unique codes, constraints).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import Table, select, text
from sqlalchemy.orm import Session

from voucher.db import dialect
from voucher.db.models import Book, Voucher

BOOKS = cast(Table, Book.__table__)
VOUCHERS = cast(Table, Voucher.__table__)
BOOK_COLUMNS = ("batch_id", "programme_id", "serial", "holder_id", "status")
VOUCHER_COLUMNS = (
    "code",
    "book_id",
    "programme_id",
    "position",
    "face_value_cents",
    "state",
    "updated_at",
)
INSERT_BOOKS = text(
    "INSERT INTO book (batch_id, programme_id, serial, holder_id, status) "
    "SELECT :batch, :programme, serial, :holder, :status "
    "FROM generate_series(CAST(:first AS bigint), CAST(:last AS bigint)) AS serial "
    "RETURNING id, serial"
)
COPY_VOUCHERS = f"COPY voucher ({', '.join(VOUCHER_COLUMNS)}) FROM STDIN"


def write_books(
    session: Session, batch_id: int, programme_id: int, holder_id: int, status: str, serials: range
) -> list[int]:
    """Books of these serials (in stock with the holder); their ids in serial order."""
    values = {"batch": batch_id, "programme": programme_id, "holder": holder_id, "status": status}
    if dialect.is_postgres(session):
        bounds = {"first": serials[0], "last": serials[-1]}
        made = session.execute(INSERT_BOOKS, values | bounds).all()
        return [book_id for book_id, _ in sorted(made, key=lambda r: r[1])]
    rows = [(batch_id, programme_id, s, holder_id, status) for s in serials]
    dialect.bulk_insert(session, BOOKS, BOOK_COLUMNS, rows)
    return list(
        session.scalars(
            select(Book.id)
            .where(Book.batch_id == batch_id, Book.serial.between(serials[0], serials[-1]))
            .order_by(Book.serial)
        )
    )


def write_vouchers(
    session: Session,
    book_ids: Sequence[int],
    codes: Sequence[str],
    *,
    programme_id: int,
    per_book: int,
    face: int,
    state: str,
    now: datetime,
) -> None:
    """``per_book`` vouchers for each book, positions 1 to ``per_book``, taking ``codes``
    in order (one per voucher)."""
    fresh = iter(codes)
    if not dialect.is_postgres(session):
        rows = [
            (next(fresh), book_id, programme_id, pos, face, state, now)
            for book_id in book_ids
            for pos in range(1, per_book + 1)
        ]
        dialect.bulk_insert(session, VOUCHERS, VOUCHER_COLUMNS, rows)
        return
    stamp = now.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ")  # stored naive UTC
    tails = [f"\t{pos}\t{face}\t{state}\t{stamp}\n" for pos in range(1, per_book + 1)]
    payload = "".join(  # the columns of COPY_VOUCHERS, in their order
        f"{next(fresh)}\t{book_id}\t{programme_id}{tail}" for book_id in book_ids for tail in tails
    )
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cur, cur.copy(COPY_VOUCHERS) as out:  # type: ignore[union-attr]
        out.write(payload)
