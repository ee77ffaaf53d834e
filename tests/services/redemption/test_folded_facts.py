"""The rules' facts brought by the scan's locking query (PostgreSQL: arrays, SQLite: JSON
arrays) are the facts the rules' own query reads: the same book scans, the same person's
scans of the day, the same daily volumes within the programme's window; a window longer
than the one folded falls back to the rules' own query."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.services.redemption import fraud_world as fw
from voucher.domain import calendar
from voucher.services.redemption import redeem, rules, scan_facts

T0 = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with calendar.at(T0):
        yield


def _read(session: Any, w: Any, code: str, at: datetime) -> tuple[Any, Any]:
    params = {
        "code": code,
        "sid": w.structure.id,
        "today": calendar.paris_date(at),
        "scan_id": None,
    }
    row = scan_facts.read(session, params, at, with_rules=True)
    return row, redeem.context(row, w.structure.id, fw.RECEPTION, at)


def _own(session: Any, ctx: Any) -> rules.Facts:
    session.info.pop("fraud_facts", None)
    return rules._facts(session, ctx)


def _shape(facts: rules.Facts) -> tuple[Any, ...]:
    book = [(int(r.id), r.at, int(r.num)) for r in facts.book]
    return book, facts.person_today, facts.volumes


def _history(session: Any, w: Any) -> list[str]:
    fw.hand_out(session, w, fw.serial(w))
    codes = fw.codes(session, fw.serial(w))
    fw.scan(session, w, codes[0], at=T0 - timedelta(days=10))  # outside a 7-day window
    fw.scan(session, w, codes[1], at=T0 - timedelta(days=1))
    fw.scan(session, w, codes[2], at=T0 - timedelta(minutes=30))
    return codes


def test_the_folded_facts_are_the_rules_own(session):
    w = fw.world(session, fraud_thresholds={"structure_volume": {"trailing_days": 7}})
    codes = _history(session, w)
    row, ctx = _read(session, w, codes[3], T0)
    own = _own(session, ctx)
    book, person, volumes = _shape(own)
    assert len(book) == 3 and len(person) == 1 and len(volumes) == 2  # the 10-day-old day is out
    assert scan_facts.carries_rules(row)
    session.info.pop("fraud_facts", None)
    rules.remember_folded(session, ctx, row)
    memo = session.info["fraud_facts"]
    assert memo[0] is ctx and _shape(memo[1]) == (book, person, volumes)


def test_a_window_longer_than_the_folded_one_reads_with_the_rules_own_query(session):
    w = fw.world(session, fraud_thresholds={"structure_volume": {"trailing_days": 60}})
    codes = _history(session, w)
    row, ctx = _read(session, w, codes[3], T0)
    session.info.pop("fraud_facts", None)
    if scan_facts.carries_rules(row):
        rules.remember_folded(session, ctx, row)
    assert "fraud_facts" not in session.info  # nothing kept: the rules read their own
    assert len(_own(session, ctx).volumes) == 3  # the 10-day-old day is in a 60-day window
