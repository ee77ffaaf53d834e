"""Time: stored in UTC, periods are Europe/Paris calendar months; SEPA transfers are
executed on TARGET2 business days (the ECB's payment system: closed on weekends, 1 January,
Good Friday, Easter Monday, 1 May, 25 and 26 December)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays

from voucher.domain.errors import DomainError

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


#: the last moment :func:`paris_date` was asked about, and its answer (a scan asks six
#: times about its own time; kept by reference, so the moment cannot be another object)
_last_day: tuple[datetime | None, date | None] = (None, None)


def paris_date(moment: datetime) -> date:
    global _last_day
    last, day = _last_day
    if moment is last and day is not None:
        return day
    aware = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment
    day = aware.astimezone(PARIS).date()
    _last_day = (moment, day)
    return day


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


@lru_cache(maxsize=64)
def _target2_closed(year: int) -> frozenset[date]:
    return frozenset(holidays.financial_holidays("ECB", years=year))


def is_target2_business_day(day: date) -> bool:
    """True if TARGET2 settles that day (a SEPA transfer can be executed)."""
    return day.weekday() < 5 and day not in _target2_closed(day.year)


def next_target2_business_day(after: date) -> date:
    """The first TARGET2 business day strictly after ``after``."""
    day = after + timedelta(days=1)
    while not is_target2_business_day(day):
        day += timedelta(days=1)
    return day


def parse_execution_date(text: str) -> date:
    """An execution date typed as AAAA-MM-JJ; anything else is ``invalid_execution_date``."""
    try:
        return date.fromisoformat(text.strip())
    except (ValueError, AttributeError):
        raise DomainError("invalid_execution_date") from None


def check_execution_date(day: date, today: date) -> date:
    """``day`` if a payment run may be executed then: not before ``today`` (Paris) and a
    TARGET2 business day."""
    if day < today:
        raise DomainError("execution_date_past")
    if not is_target2_business_day(day):
        raise DomainError("execution_date_closed")
    return day
