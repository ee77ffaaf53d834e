"""Read-side queries for the funder's desk (no writes). A funder organisation sees the
programmes it funds, as lead or co-funder; everything else is reached through them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from voucher.db.models import (
    Batch,
    Book,
    FundsReceived,
    Label,
    Organisation,
    PilotZone,
    Programme,
    ProgrammeFunder,
    Redemption,
    Voucher,
)
from voucher.domain.calendar import paris_date
from voucher.domain.states import BOOK_REPORT_REASONS, BatchStatus, BookStatus, VoucherState

LIVE = ("accepted", "held")


def funded_programme_ids(session: Session, org_id: int) -> set[int]:
    co = select(ProgrammeFunder.programme_id).where(ProgrammeFunder.funder_id == org_id)
    return set(
        session.scalars(
            select(Programme.id).where(
                or_(Programme.lead_funder_id == org_id, Programme.id.in_(co))
            )
        )
    )


def programmes(session: Session, ids: Iterable[int]) -> list[Programme]:
    return list(
        session.scalars(
            select(Programme).where(Programme.id.in_(sorted(ids))).order_by(Programme.id.desc())
        )
    )


def funders(session: Session, programme_id: int) -> list[tuple[int, str, int]]:
    rows = session.execute(
        select(ProgrammeFunder.funder_id, Organisation.name, ProgrammeFunder.share_bp)
        .join(Organisation, Organisation.id == ProgrammeFunder.funder_id)
        .where(ProgrammeFunder.programme_id == programme_id)
        .order_by(ProgrammeFunder.share_bp.desc(), Organisation.name)
    ).all()
    return [(int(i), str(n), int(bp)) for i, n, bp in rows]


@dataclass(frozen=True)
class BatchRow:
    id: int
    prescriber: str
    books: int
    vouchers_per_book: int
    face_value_cents: int
    first_serial: int
    status: str
    created_at: datetime
    acknowledged_at: datetime | None
    proof_approved_at: datetime | None
    printed_at: datetime | None

    @property
    def value_cents(self) -> int:
        return self.books * self.vouchers_per_book * self.face_value_cents

    @property
    def last_serial(self) -> int:
        return self.first_serial + self.books - 1


def batches(session: Session, programme_id: int) -> list[BatchRow]:
    rows = session.execute(
        select(Batch, Organisation.name)
        .join(Organisation, Organisation.id == Batch.prescriber_id)
        .where(Batch.programme_id == programme_id)
        .order_by(Batch.id.desc())
    ).all()
    return [
        BatchRow(
            b.id,
            name,
            b.books_count,
            b.vouchers_per_book,
            b.face_value_cents,
            b.first_serial,
            b.status,
            b.created_at,
            b.acknowledged_at,
            b.proof_approved_at,
            b.printed_at,
        )
        for b, name in rows
    ]


def funds_received(session: Session, programme_id: int) -> list[tuple[str, int, date, str | None]]:
    rows = session.execute(
        select(
            Organisation.name,
            FundsReceived.amount_cents,
            FundsReceived.received_on,
            FundsReceived.reference,
        )
        .join(Organisation, Organisation.id == FundsReceived.funder_id)
        .where(FundsReceived.programme_id == programme_id)
        .order_by(FundsReceived.received_on.desc(), FundsReceived.id.desc())
    ).all()
    return [(str(n), int(a), d, r) for n, a, d, r in rows]


def prescribers(session: Session) -> list[tuple[int, str]]:
    rows = session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.is_prescriber)
        .order_by(Organisation.name)
    ).all()
    return [(int(i), str(n)) for i, n in rows]


def structures(session: Session) -> list[tuple[int, str]]:
    rows = session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.is_structure)
        .order_by(Organisation.name)
    ).all()
    return [(int(i), str(n)) for i, n in rows]


def label_names(session: Session) -> list[str]:
    """Names of the labels given to places, offered when a programme picks accepted labels."""
    rows = session.scalars(select(Label.name).distinct().order_by(Label.name)).all()
    return [str(n) for n in rows]


def funder_orgs(session: Session) -> list[tuple[int, str]]:
    rows = session.execute(
        select(Organisation.id, Organisation.name)
        .where(Organisation.is_funder)
        .order_by(Organisation.name)
    ).all()
    return [(int(i), str(n)) for i, n in rows]


def zones(session: Session) -> list[PilotZone]:
    return list(session.scalars(select(PilotZone).order_by(PilotZone.name)))


@dataclass
class FollowUp:
    books_issued: int = 0
    books_activated: int = 0
    books_with_prescribers: int = 0
    books_handed_out: int = 0
    books_started: int = 0
    books_finished: int = 0
    books_lost: int = 0
    vouchers: int = 0
    vouchers_redeemed: int = 0
    committed_cents: int = 0
    redeemed_cents: int = 0
    paid_cents: int = 0
    months: list[str] = field(default_factory=list)
    series: dict[str, list[int]] = field(default_factory=dict)


def _count(session: Session, stmt: Any) -> int:
    return int(session.scalar(stmt) or 0)


def followup(session: Session, programme: Programme) -> FollowUp:
    """Where the programme's books and money stand, and how it got there month by month."""
    pid, face = programme.id, programme.face_value_cents
    out = FollowUp()
    books = dict(
        session.execute(
            select(Book.status, func.count()).where(Book.programme_id == pid).group_by(Book.status)
        ).all()
    )
    out.books_issued = sum(books.values())
    out.books_lost = sum(books.get(reason, 0) for reason in BOOK_REPORT_REASONS)
    out.books_handed_out = _count(
        session,
        select(func.count())
        .select_from(Book)
        .where(Book.programme_id == pid, Book.handed_out_at.is_not(None)),
    )
    active_books = (
        select(Book.id)
        .join(Batch, Batch.id == Book.batch_id)
        .where(Book.programme_id == pid, Batch.status == BatchStatus.ACTIVE)
    )
    out.books_activated = _count(session, select(func.count()).select_from(active_books.subquery()))
    out.books_with_prescribers = _count(
        session,
        select(func.count()).select_from(
            active_books.where(Book.status == BookStatus.IN_STOCK).subquery()
        ),
    )
    per_book = dict(
        session.execute(
            select(Redemption.book_id, func.count())
            .where(Redemption.programme_id == pid, Redemption.status.in_(LIVE))
            .group_by(Redemption.book_id)
        ).all()
    )
    out.books_started = len(per_book)
    out.books_finished = sum(1 for n in per_book.values() if n >= programme.vouchers_per_book)
    states = dict(
        session.execute(
            select(Voucher.state, func.count())
            .where(Voucher.programme_id == pid)
            .group_by(Voucher.state)
        ).all()
    )
    out.vouchers = sum(states.values())
    out.vouchers_redeemed = sum(per_book.values())
    out.committed_cents = out.books_activated * programme.vouchers_per_book * face
    out.redeemed_cents = out.vouchers_redeemed * face
    out.paid_cents = states.get(VoucherState.REIMBURSED, 0) * face
    _monthly(session, programme, out)
    return out


def _month(moment: datetime | None) -> str | None:
    return paris_date(moment).strftime("%Y-%m") if moment else None


def _monthly(session: Session, programme: Programme, out: FollowUp) -> None:
    pid = programme.id
    issued: Counter[str] = Counter()
    activated: Counter[str] = Counter()
    for created, activated_at, n in session.execute(
        select(Batch.created_at, Batch.activated_at, Batch.books_count).where(
            Batch.programme_id == pid
        )
    ):
        issued[_month(created) or ""] += n
        if activated_at:
            activated[_month(activated_at) or ""] += n
    handed = Counter(
        _month(t)
        for t in session.scalars(
            select(Book.handed_out_at).where(
                Book.programme_id == pid, Book.handed_out_at.is_not(None)
            )
        )
    )
    redeemed = Counter(
        _month(t)
        for t in session.scalars(
            select(Redemption.scanned_at).where(
                Redemption.programme_id == pid, Redemption.status.in_(LIVE)
            )
        )
    )
    months = sorted({m for c in (issued, activated, handed, redeemed) for m in c if m})
    out.months = months
    for name, counter in (
        ("books_issued", issued),
        ("books_activated", activated),
        ("books_handed_out", handed),
        ("vouchers_redeemed", redeemed),
    ):
        total, running = 0, []
        for m in months:
            total += counter.get(m, 0)
            running.append(total)
        out.series[name] = running


def book_in(session: Session, serial: int, programme_ids: set[int]) -> Book | None:
    book = session.scalars(select(Book).where(Book.serial == serial)).first()
    return book if book is not None and book.programme_id in programme_ids else None
