"""Execution dates of SEPA transfers: TARGET2 business days (closed on weekends, 1 January,
Good Friday, Easter Monday, 1 May, 25 and 26 December), never in the past, typed dates read
strictly."""

from __future__ import annotations

from datetime import date

import pytest

from voucher.domain import calendar
from voucher.domain.errors import MESSAGES, DomainError

CLOSED = [
    date(2026, 12, 25),  # Christmas (Friday)
    date(2026, 12, 26),  # Saturday anyway
    date(2025, 12, 26),  # Boxing Day on a Friday
    date(2027, 1, 1),  # New Year's Day (Friday)
    date(2027, 3, 26),  # Good Friday 2027
    date(2027, 3, 29),  # Easter Monday 2027
    date(2026, 4, 3),  # Good Friday 2026
    date(2026, 4, 6),  # Easter Monday 2026
    date(2026, 5, 1),  # Labour Day (Friday)
    date(2026, 11, 28),  # Saturday
    date(2026, 11, 29),  # Sunday
]
OPEN = [
    date(2026, 12, 24),
    date(2026, 12, 28),
    date(2026, 12, 31),
    date(2027, 1, 4),
    date(2026, 5, 8),  # a French holiday, not a TARGET2 one
    date(2026, 7, 14),  # idem
    date(2026, 11, 11),  # idem
    date(2026, 11, 30),
]


@pytest.mark.parametrize("day", CLOSED)
def test_target2_closing_days_are_not_business_days(day):
    assert not calendar.is_target2_business_day(day)


@pytest.mark.parametrize("day", OPEN)
def test_other_weekdays_are_business_days(day):
    assert calendar.is_target2_business_day(day)


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (date(2026, 12, 24), date(2026, 12, 28)),  # never 25 December on 24 December
        (date(2026, 12, 31), date(2027, 1, 4)),
        (date(2026, 4, 2), date(2026, 4, 7)),  # over Good Friday and Easter Monday
        (date(2026, 4, 30), date(2026, 5, 4)),
        (date(2026, 11, 27), date(2026, 11, 30)),  # Friday -> Monday
        (date(2026, 11, 30), date(2026, 12, 1)),
    ],
)
def test_the_default_is_the_next_business_day(today, expected):
    assert calendar.next_target2_business_day(today) == expected


def test_a_date_in_the_past_is_refused():
    with pytest.raises(DomainError) as err:
        calendar.check_execution_date(date(2026, 11, 27), date(2026, 11, 30))
    assert err.value.code == "execution_date_past"


def test_today_or_a_later_business_day_is_accepted():
    today = date(2026, 11, 30)
    assert calendar.check_execution_date(today, today) == today
    assert calendar.check_execution_date(date(2026, 12, 24), today) == date(2026, 12, 24)


@pytest.mark.parametrize("day", CLOSED[:5])
def test_a_closing_day_is_refused(day):
    with pytest.raises(DomainError) as err:
        calendar.check_execution_date(day, date(2025, 1, 1))
    assert err.value.code == "execution_date_closed"


@pytest.mark.parametrize(
    "text", ["", "28/12/2026", "2026-02-30", "demain", "2026-13-01", "x" * 500]
)
def test_a_malformed_date_gets_a_stable_code_and_a_french_message(text):
    with pytest.raises(DomainError) as err:
        calendar.parse_execution_date(text)
    assert err.value.code == "invalid_execution_date"
    assert "AAAA-MM-JJ" in MESSAGES["invalid_execution_date"]


def test_a_well_formed_date_is_read():
    assert calendar.parse_execution_date(" 2026-12-28 ") == date(2026, 12, 28)


def test_the_paris_date_of_a_moment_asked_again_is_the_same():
    """A moment asked about again answers from the last answer; another moment, even one
    equal to it, a naive one (UTC) or one in another zone, is converted afresh."""
    from datetime import UTC, datetime, timedelta, timezone

    late = datetime(2026, 12, 1, 23, 30, tzinfo=UTC)  # already 2 December in Paris
    assert calendar.paris_date(late) == date(2026, 12, 2)
    assert calendar.paris_date(late) == date(2026, 12, 2)
    assert calendar.paris_date(late.replace(tzinfo=None)) == date(2026, 12, 2)
    early = datetime(2026, 12, 1, 22, 30, tzinfo=UTC)
    assert calendar.paris_date(early) == date(2026, 12, 1)
    west = late.astimezone(timezone(timedelta(hours=-5)))  # the same instant
    assert calendar.paris_date(west) == date(2026, 12, 2)
    assert calendar.paris_date(early) == date(2026, 12, 1)
