"""Time: stored in UTC, periods are Europe/Paris calendar months."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")
_frozen: ContextVar[datetime | None] = ContextVar("frozen_now", default=None)


def utcnow() -> datetime:
    """Now in UTC, or the moment set by :func:`at` (used to build a demo's past months)."""
    return _frozen.get() or datetime.now(UTC)


@contextmanager
def at(moment: datetime) -> Iterator[None]:
    """Run use cases as if it were ``moment`` (the demo replays months of activity)."""
    if moment.tzinfo is None:
        raise ValueError("aware datetime required")
    token = _frozen.set(moment.astimezone(UTC))
    try:
        yield
    finally:
        _frozen.reset(token)


def paris_date(moment: datetime) -> date:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(PARIS).date()


def month_bounds(year: int, month: int) -> tuple[datetime, datetime]:
    """[start, end) of a Paris calendar month, in UTC."""
    start = datetime.combine(date(year, month, 1), time(), PARIS)
    nxt = date(year + (month == 12), month % 12 + 1, 1)
    end = datetime.combine(nxt, time(), PARIS)
    return start.astimezone(UTC), end.astimezone(UTC)


def last_valid_day(valid_until: date, grace_days: int) -> date:
    return valid_until + timedelta(days=grace_days)


def end_of_paris_day_utc(day: date) -> datetime:
    nxt = datetime.combine(day + timedelta(days=1), time(), PARIS)
    return nxt.astimezone(UTC)
