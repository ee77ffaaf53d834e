"""Each scan rule fires at its threshold and not below, with the right outcome, journal
movement and record (verdict with the redemption, hold, alert), on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests import factories as f
from tests.services.redemption import fraud_world as fw
from voucher.db.models import Hold, StructureDayVolume
from voucher.domain import calendar, ledger
from voucher.services.finance import journal, ledger_audit

T0 = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)  # 11:00 in Paris


@pytest.fixture(autouse=True)
def frozen():
    with calendar.at(T0):
        yield


def held_by(result, rule):
    return result.status == "held" and any(v["rule"] == rule for v in result.verdicts)


def test_a_third_voucher_of_one_book_on_one_day_is_held_for_review(session):
    w = fw.world(session)
    fw.hand_out(session, w, fw.serial(w))
    c = fw.codes(session, fw.serial(w))
    assert [fw.scan(session, w, code).status for code in c[:2]] == ["accepted", "accepted"]
    third = fw.scan(session, w, c[2])
    assert held_by(third, "book_per_day")
    hold = session.scalars(select(Hold).where(Hold.redemption_id == third.redemption_id)).one()
    assert hold.rule == "book_per_day" and hold.status == "open"
    assert hold.evidence["count_today"] == 3 and len(hold.evidence["redemption_ids"]) == 2
    assert journal.balance(session, ledger.suspense(w.programme.id)) == -1_000
    assert journal.balance(session, ledger.payable(w.structure.id)) == -2_000
    assert [fl.outcome for fl in fw.flags(session, "book_per_day")] == ["hold"]
    assert ledger_audit.verify(session).ok


def test_vouchers_of_one_book_on_different_days_are_not_held(session):
    w = fw.world(session)
    fw.hand_out(session, w, fw.serial(w))
    c = fw.codes(session, fw.serial(w))
    yesterday = T0 - timedelta(days=1)
    assert fw.scan(session, w, c[0], at=yesterday).status == "accepted"
    assert fw.scan(session, w, c[1], at=yesterday + timedelta(minutes=90)).status == "accepted"
    assert fw.scan(session, w, c[2]).status == "accepted"


def test_a_programme_can_raise_the_daily_limits(session):
    w = fw.world(
        session, fraud_thresholds={"book_per_day": {"max": 3}, "beneficiary_per_day": {"max": 3}}
    )
    fw.hand_out(session, w, fw.serial(w))
    c = fw.codes(session, fw.serial(w))
    assert [fw.scan(session, w, code).status for code in c[:4]] == ["accepted"] * 3 + ["held"]


def test_a_programme_can_turn_a_hold_rule_into_a_flag(session):
    w = fw.world(
        session,
        fraud_thresholds={
            "book_per_day": {"outcome": "flag"},
            "beneficiary_per_day": {"active": False},
        },
    )
    fw.hand_out(session, w, fw.serial(w))
    c = fw.codes(session, fw.serial(w))
    results = [fw.scan(session, w, code) for code in c[:3]]
    assert results[2].status == "accepted" and results[2].verdicts[0]["outcome"] == "flag"
    assert [(fl.outcome, fl.severity) for fl in fw.flags(session, "book_per_day")] == [
        ("flag", "low")
    ]


def test_a_third_voucher_of_one_beneficiary_on_one_day_is_held_across_books(session):
    w = fw.world(session, fraud_thresholds={"book_per_day": {"max": 10}})
    for n in (0, 1):
        fw.hand_out(session, w, fw.serial(w, n), ref="même-personne")
    a, b = fw.codes(session, fw.serial(w)), fw.codes(session, fw.serial(w, 1))
    assert fw.scan(session, w, a[0]).status == "accepted"
    assert fw.scan(session, w, b[0]).status == "accepted"
    assert held_by(fw.scan(session, w, a[1]), "beneficiary_per_day")
    assert ledger_audit.verify(session).ok


def test_two_beneficiaries_on_one_day_are_not_held(session):
    w = fw.world(session, fraud_thresholds={"book_per_day": {"max": 10}})
    fw.hand_out(session, w, fw.serial(w), ref="personne-a")
    fw.hand_out(session, w, fw.serial(w, 1), ref="personne-b")
    a, b = fw.codes(session, fw.serial(w)), fw.codes(session, fw.serial(w, 1))
    assert [fw.scan(session, w, code).status for code in (a[0], a[1], b[0], b[1])] == [
        "accepted"
    ] * 4


VOLUME = {
    "structure_volume": {
        "trailing_days": 7,
        "min_active_days": 3,
        "factor_pct": 200,
        "min_count": 1,
    },
    "book_per_day": {"active": False},
    "beneficiary_per_day": {"active": False},
    "whole_book": {"active": False},
}


def _history(session, w, codes, days=3, per_day=2):
    """``per_day`` scans on each of the ``days`` previous days (offline scans, dated)."""
    used = 0
    for d in range(1, days + 1):
        for k in range(per_day):
            assert (
                fw.scan(session, w, codes[used], at=T0 - timedelta(days=d, minutes=k)).status
                == "accepted"
            )
            used += 1
    return codes[used:]


def test_a_structure_scanning_far_above_its_median_day_has_its_scans_held(session):
    w = fw.world(session, fraud_thresholds=VOLUME)
    codes = fw.codes(session, fw.serial(w)) + fw.codes(session, fw.serial(w, 1))
    rest = _history(session, w, codes)  # median 2 per day, factor 200 % -> at most 4 today
    assert [fw.scan(session, w, code).status for code in rest[:4]] == ["accepted"] * 4
    fifth = fw.scan(session, w, rest[4])
    assert held_by(fifth, "structure_volume")
    assert fifth.verdicts[-1]["evidence"]["limit"] == 4
    today = session.get(StructureDayVolume, (w.structure.id, T0.date()))
    assert today.scans == 5
    assert ledger_audit.verify(session).ok


def test_a_structure_without_enough_history_is_never_held_for_volume(session):
    w = fw.world(session, fraud_thresholds=VOLUME)
    codes = fw.codes(session, fw.serial(w)) + fw.codes(session, fw.serial(w, 1))
    rest = _history(session, w, codes, days=2)
    assert {fw.scan(session, w, code).status for code in rest[:8]} == {"accepted"}


WHOLE = {"book_per_day": {"max": 10}}


def test_a_whole_book_scanned_within_the_hour_at_one_structure_is_held(session):
    w = fw.world(session, vouchers_per_book=3, fraud_thresholds=WHOLE)
    c = fw.codes(session, fw.serial(w))
    assert fw.scan(session, w, c[0], at=T0 - timedelta(minutes=60)).status == "accepted"
    assert fw.scan(session, w, c[1], at=T0 - timedelta(minutes=30)).status == "accepted"
    last = fw.scan(session, w, c[2])
    assert held_by(last, "whole_book")
    assert last.verdicts[-1]["evidence"]["book_size"] == 3


def test_a_whole_book_over_more_than_the_window_or_two_places_is_accepted(session):
    w = fw.world(session, vouchers_per_book=3, fraud_thresholds=WHOLE)
    c = fw.codes(session, fw.serial(w))
    fw.scan(session, w, c[0], at=T0 - timedelta(minutes=61))
    fw.scan(session, w, c[1], at=T0 - timedelta(minutes=30))
    assert fw.scan(session, w, c[2]).status == "accepted"
    other = f.structure(session, "Médiathèque voisine")
    c2 = fw.codes(session, fw.serial(w, 1))
    fw.scan(session, w, c2[0], structure_id=other.id)
    fw.scan(session, w, c2[1])
    assert fw.scan(session, w, c2[2]).status == "accepted"


def test_a_voucher_never_handed_out_is_flagged_by_default(session):
    w = fw.world(session)
    res = fw.scan(session, w, fw.codes(session, fw.serial(w))[0])
    assert res.status == "accepted"
    assert [
        (fl.outcome, fl.severity, fl.redemption_id) for fl in fw.flags(session, "never_handed_out")
    ] == [("flag", "low", res.redemption_id)]


def test_a_replayed_scan_id_returns_the_first_verdicts_and_records_nothing_new(session):
    w = fw.world(session, handout_policy="hold")
    code = fw.codes(session, fw.serial(w))[0]
    first = fw.scan(session, w, code, scan_id="desk-1")
    again = fw.scan(session, w, code, scan_id="desk-1")
    assert again.replayed and again.status == "held" and again.verdicts == first.verdicts
    assert fw.open_holds(session) == 1 and len(fw.flags(session, "never_handed_out")) == 1
    assert session.get(StructureDayVolume, (w.structure.id, T0.date())).scans == 1


def test_the_rules_count_the_day_in_paris_time(session):
    """23:30 UTC on 9 March is 00:30 on 10 March in Paris: the same day as T0."""
    w = fw.world(session)
    fw.hand_out(session, w, fw.serial(w))
    c = fw.codes(session, fw.serial(w))
    fw.scan(session, w, c[0], at=datetime(2026, 3, 9, 22, 50, tzinfo=UTC))  # 23:50 on the 9th
    fw.scan(session, w, c[1], at=datetime(2026, 3, 9, 23, 30, tzinfo=UTC))  # 00:30 on the 10th
    assert fw.scan(session, w, c[2]).status == "accepted"
    assert fw.scan(session, w, c[3]).status == "held"
