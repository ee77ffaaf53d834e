"""Read-side queries for the reception desk: the day's scans at one structure (Paris
day), with what the desk needs to recognise each one and whether it can still be
cancelled by the person looking."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from voucher.db.models import Book, Programme, Redemption, RefusedScan, User, Voucher
from voucher.domain.calendar import PARIS, end_of_paris_day_utc


@dataclass(frozen=True)
class DeskScan:
    id: int
    at: datetime
    status: str
    serial: int
    position: int
    per_book: int
    face_value_cents: int
    theme: str | None
    user: str | None
    cancellable: bool


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, datetime.min.time(), PARIS)
    return start.astimezone(UTC), end_of_paris_day_utc(day)


def today(
    session: Session,
    structure_id: int,
    day: date,
    *,
    user_id: int | None,
    now: datetime,
    limit: int = 100,
) -> list[DeskScan]:
    start, end = _day_bounds(day)
    rows = session.execute(
        select(
            Redemption.id,
            Redemption.scanned_at,
            Redemption.recorded_at,
            Redemption.status,
            Book.serial,
            Voucher.position,
            Programme.vouchers_per_book,
            Redemption.face_value_cents,
            Redemption.theme,
            User.name,
            Redemption.user_id,
            Programme.cancel_window_minutes,
            Redemption.statement_id,
        )
        .join(Voucher, Voucher.id == Redemption.voucher_id)
        .join(Book, Book.id == Redemption.book_id)
        .join(Programme, Programme.id == Redemption.programme_id)
        .outerjoin(User, User.id == Redemption.user_id)
        .where(
            Redemption.structure_id == structure_id,
            Redemption.scanned_at >= start,
            Redemption.scanned_at < end,
        )
        .order_by(Redemption.scanned_at.desc(), Redemption.id.desc())
        .limit(limit)
    ).all()
    out = []
    for r in rows:
        open_window = now - r.recorded_at <= timedelta(minutes=r.cancel_window_minutes or 0)
        mine = user_id is not None and r.user_id == user_id
        out.append(
            DeskScan(
                int(r.id),
                r.scanned_at,
                str(r.status),
                int(r.serial),
                int(r.position),
                int(r.vouchers_per_book),
                int(r.face_value_cents),
                r.theme,
                r.name,
                mine
                and open_window
                and r.status in ("accepted", "held")
                and r.statement_id is None,
            )
        )
    return out


def refusals(
    session: Session, structure_id: int, day: date, limit: int = 20
) -> list[tuple[datetime, str, str | None]]:
    start, end = _day_bounds(day)
    rows = session.execute(
        select(RefusedScan.at, RefusedScan.reason, RefusedScan.code_tail)
        .where(
            RefusedScan.structure_id == structure_id, RefusedScan.at >= start, RefusedScan.at < end
        )
        .order_by(RefusedScan.at.desc())
        .limit(limit)
    ).all()
    return [(a, str(r), t) for a, r, t in rows]
