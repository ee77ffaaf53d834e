"""The unlucky user's names and the careless operator's dates: whatever a structure is
called, the SEPA file holds only EPC basic Latin characters within the schema's lengths and
still validates; whatever day it is, the default execution date is a later TARGET2 business
day. ``VOUCHER_SEPA_TEXT_EXAMPLES`` (default 200) sizes the runs."""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from voucher.documents import sepa
from voucher.domain import calendar

EXAMPLES = int(os.environ.get("VOUCHER_SEPA_TEXT_EXAMPLES", "200"))
EPC = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-?:().,'+ ")
RUN = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
NAMES = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=120)


@RUN
@given(NAMES, st.integers(1, 140))
def test_any_text_becomes_epc_latin_within_the_limit(text, limit):
    got = sepa.epc_latin(text, limit)
    assert set(got) <= EPC and len(got) <= limit
    assert got == got.strip() and "  " not in got


@pytest.mark.parametrize("version", ["pain.001.001.03", "pain.001.001.09"])
@settings(max_examples=max(EXAMPLES // 10, 5), deadline=None)
@given(name=NAMES.filter(lambda t: sepa.epc_latin(t) != ""), town=NAMES)
def test_a_file_with_any_creditor_name_validates(version, name, town):
    creditor = sepa.Party(
        name, "FR7630006000010000000012374", None, "rue <X>; & Cie", "1", "86000", town
    )
    xml = sepa.build(
        version,
        sepa.Party(
            "Opérateur", "FR7630004000010001234567830", "BNPAFRPP", "rue", "1", "86000", "P"
        ),
        [sepa.Transfer("REL-2026-000001-1", 100, creditor, f"Relevé {name}")],
        msg_id="PNADVERSARY",
        created_at=datetime(2026, 11, 2, tzinfo=UTC),
        execution_date=date(2026, 11, 3),
    )
    assert sepa.validate(xml, version) == []


@RUN
@given(st.dates(date(2000, 1, 1), date(2099, 12, 31)))
def test_the_default_execution_date_is_always_a_later_business_day(today):
    day = calendar.next_target2_business_day(today)
    assert day > today and calendar.is_target2_business_day(day)
    assert day.weekday() < 5 and (day.month, day.day) not in {(1, 1), (5, 1), (12, 25), (12, 26)}
    between = [today + timedelta(days=i) for i in range(1, (day - today).days)]
    assert not any(calendar.is_target2_business_day(d) for d in between)
    assert calendar.check_execution_date(day, today) == day
