"""Rules that act on refused scans and outside the redemption: a code redeemed twice, a
lost or stolen book, code guessing (slow down, lock, alert), and the programme thresholds
themselves."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests import factories as f
from tests.services.redemption import fraud_world as fw
from voucher.db.models import AuditEvent, Programme
from voucher.domain import calendar, codes
from voucher.domain.errors import DomainError
from voucher.services.context import Actor
from voucher.services.issuance import books
from voucher.services.programmes import editing
from voucher.services.redemption import guessing

T0 = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with calendar.at(T0):
        yield


def test_a_code_redeemed_elsewhere_is_refused_and_the_pair_is_flagged(session):
    w = fw.world(session)
    code = fw.codes(session, fw.serial(w))[0]
    first = fw.scan(session, w, code)
    other = f.structure(session, "Café numérique")
    assert fw.refused_scan(session, w, code, structure_id=other.id) == "already_redeemed"
    (flag,) = fw.flags(session, "already_redeemed")
    assert (flag.outcome, flag.severity, flag.redemption_id) == (
        "refuse",
        "high",
        first.redemption_id,
    )
    assert flag.details["first_structure_id"] == w.structure.id
    assert flag.details["second_structure_id"] == other.id
    assert flag.details["first_at"] == T0.isoformat()


def test_a_double_beep_at_the_same_desk_is_refused_without_alert_but_later_it_is_flagged(session):
    w = fw.world(session)
    code = fw.codes(session, fw.serial(w))[0]
    fw.scan(session, w, code)
    assert fw.refused_scan(session, w, code, at=T0 + timedelta(minutes=10)) == "already_redeemed"
    assert fw.flags(session, "already_redeemed") == []
    assert fw.refused_scan(session, w, code, at=T0 + timedelta(minutes=11)) == "already_redeemed"
    assert [fl.severity for fl in fw.flags(session, "already_redeemed")] == ["medium"]


def test_a_voucher_of_a_stolen_book_is_refused_and_the_structure_flagged(session):
    w = fw.world(session)
    code = fw.codes(session, fw.serial(w))[0]
    books.report_book(session, f.ACTOR, fw.serial(w), reason="stolen")
    assert fw.refused_scan(session, w, code) == "cancelled"
    (flag,) = fw.flags(session, "lost_or_stolen_book")
    assert (flag.structure_id, flag.severity, flag.details["book_status"]) == (
        w.structure.id,
        "high",
        "stolen",
    )


def _fail(session, w, n, actor=fw.RECEPTION, start=T0, step=timedelta(seconds=40)):
    for i in range(n):
        assert (
            fw.refused_scan(session, w, codes.generate(), actor=actor, at=start + i * step)
            == "unknown_code"
        )
    return start + (n - 1) * step


def test_four_failed_codes_leave_the_desk_alone_the_fifth_slows_it_down(session):
    w = fw.world(session)
    last = _fail(session, w, 4)
    assert (
        guessing.guessing_state(session, fw.RECEPTION, last + timedelta(seconds=1)).status == "ok"
    )
    last = _fail(session, w, 1, start=last + timedelta(seconds=40))
    state = guessing.guessing_state(session, fw.RECEPTION, last + timedelta(seconds=10))
    assert (state.status, state.retry_after) == ("slow", 20)
    refusal = guessing.throttle(session, fw.RECEPTION, last + timedelta(seconds=10))
    assert refusal is not None
    assert refusal.code == "too_many_attempts" and refusal.details["retry_after"] == 20
    assert (
        guessing.guessing_state(session, fw.RECEPTION, last + timedelta(seconds=31)).status == "ok"
    )


def test_ten_failed_codes_within_the_window_lock_the_source_and_raise_one_alert(session):
    w = fw.world(session)
    last = _fail(session, w, 9)
    assert (
        guessing.guessing_state(session, fw.RECEPTION, last + timedelta(seconds=31)).status == "ok"
    )
    assert fw.flags(session, "code_guessing") == []
    last = _fail(session, w, 1, start=last + timedelta(seconds=40))
    state = guessing.guessing_state(session, fw.RECEPTION, last + timedelta(minutes=5))
    assert state.status == "locked" and state.retry_after == 55 * 60
    refusal = guessing.throttle(session, fw.RECEPTION, last + timedelta(minutes=5))
    assert refusal is not None and refusal.code == "locked"
    (alert,) = fw.flags(session, "code_guessing")
    assert alert.severity == "high" and alert.details["failures"] == 10
    assert (
        guessing.guessing_state(session, fw.RECEPTION, last + timedelta(minutes=61)).status == "ok"
    )


def test_desks_behind_one_address_do_not_lock_each_other_out(session):
    """Several desks behind one NAT: their typos add up per address, which therefore has
    higher thresholds (20 to slow down, 40 to lock) than one person or one key (5, 10)."""
    w = fw.world(session)
    desks = [Actor(label=f"p{i}", user_id=900 + i, ip="198.51.100.7") for i in range(10)]
    for i, desk in enumerate(desks):  # ten desks, one typo each, within three minutes
        _fail(session, w, 1, actor=desk, start=T0 + timedelta(seconds=20 * i))
    newcomer = Actor(label="nouveau", user_id=999, ip="198.51.100.7")
    assert (
        guessing.guessing_state(session, newcomer, T0 + timedelta(minutes=3, seconds=1)).status
        == "ok"
    )
    for i, desk in enumerate(desks):  # ten more: the address reaches 20 and is slowed down
        _fail(session, w, 1, actor=desk, start=T0 + timedelta(minutes=4, seconds=5 * i))
    assert guessing.guessing_state(session, newcomer, T0 + timedelta(minutes=5)).status == "slow"
    assert fw.flags(session, "code_guessing") == []


def test_guessing_is_counted_per_address_and_per_api_key_too(session):
    w = fw.world(session)
    people = [Actor(label=f"p{i}", user_id=900 + i, ip="198.51.100.7") for i in range(10)]
    for i, person in enumerate(
        people
    ):  # 4 failures each (below one person's limits): 40 for the address
        _fail(
            session,
            w,
            4,
            actor=person,
            start=T0 + timedelta(seconds=20 * i),
            step=timedelta(seconds=5),
        )
    newcomer = Actor(label="nouveau", user_id=999, ip="198.51.100.7")
    assert guessing.guessing_state(session, newcomer, T0 + timedelta(minutes=5)).status == "locked"
    assert (
        guessing.guessing_state(
            session,
            Actor(label="ailleurs", user_id=998, ip="203.0.113.1"),
            T0 + timedelta(minutes=5),
        ).status
        == "ok"
    )
    assert (
        guessing.guessing_state(
            session,
            Actor(label="p0 ailleurs", user_id=900, ip="203.0.113.1"),
            T0 + timedelta(minutes=5),
        ).status
        == "ok"
    )
    machine = Actor(label="clé", api_key_id=41)
    _fail(session, w, 5, actor=machine, start=T0 + timedelta(minutes=10))
    assert (
        guessing.guessing_state(session, machine, T0 + timedelta(minutes=12, seconds=50)).status
        == "slow"
    )
    last = T0 + timedelta(seconds=180 + 15)  # the tenth person's fourth failure
    assert fw.flags(session, "code_guessing")[0].details == {
        "source": "ip",
        "key": "198.51.100.7",
        "failures": 40,
        "locked_until": (last + timedelta(minutes=60)).isoformat(),
    }


def test_valid_thresholds_are_stored_and_audited_invalid_ones_change_nothing(session):
    w = fw.world(session)
    stored = editing.set_fraud_thresholds(
        session, f.ACTOR, w.programme.id, {"book_per_day": {"max": 3}}
    )
    assert stored == {"book_per_day": {"max": 3}}
    with pytest.raises(DomainError) as exc:
        editing.set_fraud_thresholds(session, f.ACTOR, w.programme.id, {"book_per_day": {"max": 0}})
    assert exc.value.code == "invalid_fraud_thresholds" and "book_per_day.max" in exc.value.message
    assert (
        session.scalar(select(Programme.fraud_thresholds).where(Programme.id == w.programme.id))
        == stored
    )
    assert (
        session.scalar(
            select(AuditEvent.details).where(AuditEvent.action == "programme.fraud_thresholds")
        )["after"]
        == stored
    )
