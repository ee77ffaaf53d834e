"""Read-side queries for printing (no writes here).

Vouchers are read with Core in server-side chunks (``yield_per``), in book serial then
position order, so a batch of 100,000 vouchers is never held in memory at once.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from itertools import groupby

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voucher.db.models import (
    Book,
    Organisation,
    Programme,
    ProgrammeFunder,
    Voucher,
)
from voucher.db.queries import directory
from voucher.domain.printing import CoverPlace
from voucher.domain.states import BOOK_IN_USE, UNUSED

CHUNK = 5_000
MAX_PLACES = 6

VoucherRow = tuple[int, int, str]  # serial, position, code


def funder_ids(session: Session, programme: Programme) -> set[int]:
    ids = set(
        session.scalars(
            select(ProgrammeFunder.funder_id).where(ProgrammeFunder.programme_id == programme.id)
        )
    )
    return ids | {programme.lead_funder_id}


def funder_names(session: Session, programme: Programme) -> tuple[str, ...]:
    """Lead funder first, then co-funders by decreasing share and name."""
    rows = session.execute(
        select(Organisation.id, Organisation.name, ProgrammeFunder.share_bp)
        .join(ProgrammeFunder, ProgrammeFunder.funder_id == Organisation.id)
        .where(ProgrammeFunder.programme_id == programme.id)
    ).all()
    ordered = sorted(rows, key=lambda r: (r.id != programme.lead_funder_id, -r.share_bp, r.name))
    return tuple(r.name for r in ordered)


def places(
    session: Session, programme_id: int, today: date, commune_insee: str | None
) -> tuple[CoverPlace, ...]:
    """The nearest places accepting the programme, for the cover (at most
    :data:`MAX_PLACES`): labelled today and accepted by the same rules as a scan, in the
    prescriber's commune first, then its department, with their address and opening hours
    when the place gave them."""
    found = directory.for_cover(session, today, programme_id, commune_insee, MAX_PLACES)
    return tuple(
        CoverPlace.of(
            p.name if p.name == p.organisation else f"{p.organisation} — {p.name}",
            street=p.address,
            postcode=p.postcode,
            town=p.town,
            osm_hours=p.hours,
            hours_text=p.hours_text,
        )
        for p in found
    )


def voucher_rows(session: Session, batch_id: int) -> Iterator[VoucherRow]:
    """Every voucher of the batch's books in circulation (in stock or handed out, so
    replacement books in and replaced, lost, stolen or expired books out), in print order."""
    stmt = (
        select(Book.serial, Voucher.position, Voucher.code)
        .join(Voucher, Voucher.book_id == Book.id)
        .where(Book.batch_id == batch_id, Book.status.in_(sorted(BOOK_IN_USE)))
        .order_by(Book.serial, Voucher.position)
        .execution_options(yield_per=CHUNK)
    )
    for row in session.execute(stmt):
        yield int(row.serial), int(row.position), str(row.code)


@dataclass(frozen=True)
class PrintCensus:
    """What a batch's print file would hold now (see :func:`census`)."""

    books: int
    vouchers: int
    #: books left out, by status (``replaced``, ``lost``, ``stolen``, ``expired``)
    left_out: dict[str, int]
    #: books in circulation holding a voucher already used or ended (at most ten serials)
    used: tuple[int, ...]


def census(session: Session, batch_id: int) -> PrintCensus:
    statuses = dict(
        session.execute(
            select(Book.status, func.count()).where(Book.batch_id == batch_id).group_by(Book.status)
        ).all()
    )
    live = sorted(BOOK_IN_USE)
    vouchers = session.scalar(
        select(func.count())
        .select_from(Voucher)
        .join(Book, Book.id == Voucher.book_id)
        .where(Book.batch_id == batch_id, Book.status.in_(live))
    )
    used = session.scalars(
        select(Book.serial)
        .join(Voucher, Voucher.book_id == Book.id)
        .where(
            Book.batch_id == batch_id,
            Book.status.in_(live),
            Voucher.state.not_in(sorted(UNUSED)),
        )
        .group_by(Book.serial)
        .order_by(Book.serial)
        .limit(10)
    ).all()
    return PrintCensus(
        books=sum(int(n) for status, n in statuses.items() if status in BOOK_IN_USE),
        vouchers=int(vouchers or 0),
        left_out={str(k): int(n) for k, n in sorted(statuses.items()) if k not in BOOK_IN_USE},
        used=tuple(int(s) for s in used),
    )


def live_serials(session: Session, batch_id: int) -> list[int]:
    """Serials of the batch's books in circulation, in order."""
    stmt = (
        select(Book.serial)
        .where(Book.batch_id == batch_id, Book.status.in_(sorted(BOOK_IN_USE)))
        .order_by(Book.serial)
    )
    return [int(s) for s in session.scalars(stmt)]


def book_ids(session: Session, batch_id: int) -> dict[int, int]:
    """``serial -> id`` of every book of the batch."""
    rows = session.execute(select(Book.serial, Book.id).where(Book.batch_id == batch_id)).all()
    return {int(serial): int(book_id) for serial, book_id in rows}


def books_of(rows: Iterator[VoucherRow]) -> Iterator[tuple[int, tuple[tuple[int, str], ...]]]:
    """Group rows (already in serial order) into ``(serial, ((position, code), ...))``."""
    for serial, group in groupby(rows, key=lambda r: r[0]):
        yield serial, tuple((pos, code) for _, pos, code in group)


def book_vouchers(session: Session, book_id: int) -> tuple[tuple[int, str], ...]:
    rows = session.execute(
        select(Voucher.position, Voucher.code)
        .where(Voucher.book_id == book_id)
        .order_by(Voucher.position)
    ).all()
    return tuple((int(p), str(c)) for p, c in rows)
