"""Time: stored in UTC, periods are Europe/Paris calendar months."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
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


def _paris_offset(moment: datetime) -> timedelta:
    return moment.astimezone(PARIS).utcoffset() or timedelta(0)


def _change_after(start: datetime) -> datetime:
    """The first UTC hour within the day after ``start`` whose Paris offset differs."""
    hour, before = start, _paris_offset(start)
    while _paris_offset(hour) == before:
        hour += timedelta(hours=1)
    return hour


@lru_cache(maxsize=32)
def summer_periods(years: range) -> list[tuple[datetime, datetime]]:
    """[start, end) in UTC of each period where Paris is at UTC+2 (day steps, then hours
    around each change, so a century costs a few thousand conversions). For databases
    without a time-zone database (SQLite)."""
    periods, start = [], None
    for year in years:
        day = datetime(year, 1, 1, tzinfo=UTC)
        while day.year == year:
            nxt = day + timedelta(days=1)
            if _paris_offset(nxt) != _paris_offset(day):
                change = _change_after(day)
                if _paris_offset(change) == timedelta(hours=2):
                    start = change
                elif start is not None:
                    periods.append((start, change))
                    start = None
            day = nxt
    return periods
