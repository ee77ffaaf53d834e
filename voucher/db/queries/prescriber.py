"""Read-side queries for the prescriber's desk: the batches it received, the books it
holds, and how far each book it handed out has been used (counts only: no pseudonym,
no reference ever leaves the database)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voucher.db.models import Batch, Beneficiary, Book, Programme, Redemption
from voucher.domain.states import BatchStatus, BookStatus

LIVE = ("accepted", "held")


@dataclass(frozen=True)
class ReceivedBatch:
    id: int
    programme: str
    books: int
    first_serial: int
    status: str
    created_at: datetime
    acknowledged_at: datetime | None

    @property
    def last_serial(self) -> int:
        return self.first_serial + self.books - 1


def batches(session: Session, org_id: int) -> list[ReceivedBatch]:
    rows = session.execute(
        select(Batch, Programme.name)
        .join(Programme, Programme.id == Batch.programme_id)
        .where(Batch.prescriber_id == org_id)
        .order_by(Batch.id.desc())
    ).all()
    return [
        ReceivedBatch(
            b.id, n, b.books_count, b.first_serial, b.status, b.created_at, b.acknowledged_at
        )
        for b, n in rows
    ]


def stock(session: Session, org_id: int) -> tuple[int, list[int]]:
    """Books this organisation can hand out now: how many, and the first serials."""
    base = (
        select(Book.serial)
        .join(Batch, Batch.id == Book.batch_id)
        .where(
            Book.holder_id == org_id,
            Book.status == BookStatus.IN_STOCK,
            Batch.status == BatchStatus.ACTIVE,
        )
    )
    count = int(session.scalar(select(func.count()).select_from(base.subquery())) or 0)
    first = [int(s) for s in session.scalars(base.order_by(Book.serial).limit(10))]
    return count, first


@dataclass(frozen=True)
class HandedOut:
    serial: int
    programme: str
    handed_out_at: datetime
    population: str
    age_band: str
    used: int
    per_book: int
    last_used_at: datetime | None
    status: str


def handed_out(session: Session, org_id: int, limit: int = 200) -> list[HandedOut]:
    used = (
        select(
            Redemption.book_id,
            func.count().label("n"),
            func.max(Redemption.scanned_at).label("last"),
        )
        .where(Redemption.status.in_(LIVE))
        .group_by(Redemption.book_id)
        .subquery()
    )
    rows = session.execute(
        select(
            Book.serial,
            Programme.name,
            Book.handed_out_at,
            Beneficiary.population,
            Beneficiary.age_band,
            used.c.n,
            used.c.last,
            Programme.vouchers_per_book,
            Book.status,
        )
        .join(Programme, Programme.id == Book.programme_id)
        .join(Beneficiary, Beneficiary.id == Book.beneficiary_id)
        .outerjoin(used, used.c.book_id == Book.id)
        .where(Book.holder_id == org_id, Book.handed_out_at.is_not(None))
        .order_by(Book.handed_out_at.desc())
        .limit(limit)
    ).all()
    return [
        HandedOut(int(s), str(p), h, str(pop), str(age), int(n or 0), int(per), last, str(st))
        for s, p, h, pop, age, n, last, per, st in rows
    ]
