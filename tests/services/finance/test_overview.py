"""The months at a glance: every euro scanned in a Paris month is in exactly one category."""

from __future__ import annotations

from tests.services.finance import finance_world as fw
from tests.services.finance.test_payments import run
from tests.services.finance.test_refunds import owed_notes, pay
from voucher.domain import calendar
from voucher.domain.finance import Period
from voucher.services.access.programme_scope import Scope
from voucher.services.context import SYSTEM
from voucher.services.finance import close, overview
from voucher.services.finance.scope import EVERYTHING
from voucher.services.redemption import redeem


def test_a_months_value_is_split_by_where_it_stands(session):
    w = fw.world(session, structures=3, banked=2)
    strict = fw.world(session, fraud_thresholds={}, handout_policy="hold")
    strict.structures = w.structures
    fw.scan(session, w, fw.paris(2026, 2, 27), structure=2)  # February, blocked too
    for i in range(3):
        fw.scan(session, w, fw.paris(2026, 3, 2 + i), structure=i)
    fw.scan(session, strict, fw.paris(2026, 3, 9))  # held
    with calendar.at(fw.paris(2026, 4, 2)):
        close.close_month(session, SYSTEM, Period(2026, 3))
    run(session)
    with calendar.at(fw.paris(2026, 4, 3)):  # an offline scan of March synchronised after the close
        redeem.redeem(
            session,
            fw.RECEPTION,
            redeem.Scan(
                code=w.codes.pop(0),
                structure_id=w.structures[0].id,
                scanned_at=fw.paris(2026, 3, 31, 23),
            ),
        )
    march = overview.month_status(session, EVERYTHING, Period(2026, 3))
    assert march.cents["held"] == 1000 and march.cents["blocked"] == 1000
    assert march.cents["in_payment"] == 2000 and march.cents["to_state"] == 1000
    assert march.redeemed_cents == sum(march.cents.values()) - march.cents["held"]
    february = overview.month_status(session, EVERYTHING, Period(2026, 2))
    assert february.cents["blocked"] == 1000
    # no close of its own, but March's close took its scans: closed with March
    assert february.closed_at == march.closed_at and february.closed_with == Period(2026, 3)
    months = overview.recent(session, EVERYTHING, months=3, now=fw.paris(2026, 4, 10))
    assert [str(m.period) for m in months] == ["2026-02", "2026-03", "2026-04"]


def test_a_months_credit_notes_are_listed_with_where_their_refund_stands(session):
    w, notes = owed_notes(session)
    august = overview.month_status(session, EVERYTHING, Period(2026, 8))
    assert [(r.number, r.status, r.amount_cents) for r in august.refunds] == [
        (n.number, "owed", n.amount_cents) for n in notes
    ]
    assert august.refunds_cents == sum(n.amount_cents for n in notes) > 0
    assert {r.status_fr for r in august.refunds} == {"dû au financeur"}
    assert overview.month_status(session, EVERYTHING, Period(2026, 7)).refunds == []
    pay(session)
    august = overview.month_status(session, EVERYTHING, Period(2026, 8))
    assert {r.status for r in august.refunds} == {"in_payment"}
    # another programme's finance user sees none of them
    other = Scope(programme_ids=frozenset({w.programme_id + 1000}))
    assert overview.month_status(session, other, Period(2026, 8)).refunds == []
