"""Month close: one gap-free statement per structure owed money, Paris months across the
clock changes, held and blocked value left out, and a second close that changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests import factories as f
from tests.services.finance import finance_world as fw
from voucher.db.models import Hold, MonthClose, Redemption, Statement
from voucher.domain import calendar
from voucher.domain.errors import DomainError
from voucher.domain.finance import Period
from voucher.services.context import SYSTEM
from voucher.services.finance import close as month_close
from voucher.services.finance import ledger_audit
from voucher.services.organisations import bank_details
from voucher.services.redemption import cancel, holds

MAY = fw.paris(2026, 5, 3)


def close(session, year: int, month: int, *, actor=SYSTEM, when=MAY, scope=None):
    with calendar.at(when):
        return month_close.close_month(session, actor, Period(year, month), scope=scope)


def numbers(session) -> list[str]:
    return list(session.scalars(select(Statement.number).order_by(Statement.year, Statement.seq)))


def test_a_close_makes_one_statement_per_structure_numbered_without_gaps(session):
    w = fw.world(session, structures=3)
    for i, day in enumerate((2, 9, 16, 23)):
        fw.scan(session, w, fw.paris(2026, 3, day), structure=i % 3)
    result = close(session, 2026, 3)
    assert [s.number for s in result.created] == ["2026-000001", "2026-000002", "2026-000003"]
    assert sorted((s.structure_id, s.line_count, s.total_cents) for s in result.created) == sorted(
        [
            (w.structures[0].id, 2, 2000),
            (w.structures[1].id, 1, 1000),
            (w.structures[2].id, 1, 1000),
        ]
    )
    unstated = session.scalar(
        select(func.count()).select_from(Redemption).where(Redemption.statement_id.is_(None))
    )
    assert unstated == 0
    assert result.journal_hash and all(
        s.journal_hash == result.journal_hash for s in session.scalars(select(Statement))
    )
    assert ledger_audit.verify(session).ok


def test_the_next_close_continues_the_years_sequence(session):
    w = fw.world(session)
    fw.scan(session, w, fw.paris(2026, 3, 3))
    close(session, 2026, 3)
    fw.scan(session, w, fw.paris(2026, 4, 3), structure=1)
    fw.scan(session, w, fw.paris(2026, 4, 4))
    close(session, 2026, 4)
    assert numbers(session) == ["2026-000001", "2026-000002", "2026-000003"]


def test_closing_the_same_month_again_creates_nothing_and_returns_the_same_statements(session):
    w = fw.world(session)
    fw.scan(session, w, fw.paris(2026, 3, 3))
    fw.scan(session, w, fw.paris(2026, 3, 4), structure=1)
    first = close(session, 2026, 3)
    again = close(session, 2026, 3, when=fw.paris(2026, 5, 20))
    assert again.created == [] and again.statements == first.statements
    assert again.journal_hash == first.journal_hash
    assert session.scalar(select(func.count()).select_from(MonthClose)) == 1
    assert numbers(session) == ["2026-000001", "2026-000002"]


@pytest.mark.parametrize(
    ("local", "month"),
    [
        (fw.paris(2026, 3, 31, 23, 30), 3),  # summer time already (UTC+2): 21:30 UTC
        (fw.paris(2026, 3, 31, 23, 59), 3),
        (fw.paris(2026, 4, 1, 0, 30), 4),  # = 2026-03-31 22:30 UTC, but April in Paris
        (fw.paris(2026, 10, 31, 23, 59), 10),  # winter time (UTC+1): 22:59 UTC
        (fw.paris(2026, 11, 1, 0, 30), 11),  # = 2026-10-31 23:30 UTC
        (fw.paris(2026, 10, 1, 0, 5), 10),  # = 2026-09-30 22:05 UTC, before the change
    ],
)
def test_a_scan_belongs_to_its_paris_month_across_clock_changes(session, local, month):
    w = fw.world(session)
    fw.scan(session, w, local)
    assert close(session, 2026, month - 1, when=fw.paris(2026, 12, 5)).created == []
    stated = close(session, 2026, month, when=fw.paris(2026, 12, 5)).created
    assert [s.line_count for s in stated] == [1]


def test_utc_times_near_midnight_fall_in_the_right_paris_month(session):
    from datetime import UTC, datetime

    w = fw.world(session)
    fw.scan(session, w, datetime(2026, 3, 31, 21, 30, tzinfo=UTC))  # 23:30 in Paris, March
    fw.scan(session, w, datetime(2026, 3, 31, 22, 30, tzinfo=UTC))  # 00:30 in Paris, April
    assert [s.line_count for s in close(session, 2026, 3).created] == [1]
    assert [s.line_count for s in close(session, 2026, 4).created] == [1]


def test_a_month_that_is_not_over_cannot_be_closed(session):
    fw.world(session)
    with pytest.raises(DomainError) as refused:
        close(session, 2026, 5, when=fw.paris(2026, 5, 31, 23, 59))
    assert refused.value.code == "month_not_over"
    assert session.scalar(select(func.count()).select_from(MonthClose)) == 0


def test_held_scans_wait_and_a_hold_released_after_close_goes_into_the_next_statement(session):
    w = fw.world(session, fraud_thresholds={}, handout_policy="hold")  # never handed out: held
    held = fw.scan(session, w, fw.paris(2026, 3, 10))
    assert held.status == "held"
    quiet = fw.world(session)  # another programme, scans accepted at the same structure
    quiet.structures = w.structures
    fw.scan(session, quiet, fw.paris(2026, 3, 11))
    march = close(session, 2026, 3)
    assert [(s.line_count, s.total_cents) for s in march.created] == [(1, 1000)]
    reviewer = fw.person(session, w.w.funder_a.id, "funder")
    hold_id = session.scalar(select(Hold.id).where(Hold.redemption_id == held.redemption_id))
    with calendar.at(fw.paris(2026, 4, 20)):
        holds.release(session, reviewer, hold_id)
    april = close(session, 2026, 4)
    assert [(s.structure_id, s.line_count) for s in april.created] == [(w.structures[0].id, 1)]
    assert session.get(Redemption, held.redemption_id).statement_id == april.created[0].id
    assert ledger_audit.verify(session).ok


def test_a_structure_without_validated_bank_details_is_blocked_then_stated_later(session):
    w = fw.world(session, structures=2, banked=1)
    fw.scan(session, w, fw.paris(2026, 3, 5))
    fw.scan(session, w, fw.paris(2026, 3, 6), structure=1)
    march = close(session, 2026, 3)
    assert [s.structure_id for s in march.created] == [w.structures[0].id]
    assert [(b.structure_id, b.reason, b.total_cents) for b in march.blocked] == [
        (w.structures[1].id, "no_bank_details", 1000)
    ]
    assert march.blocked[0].reason_fr == "aucune coordonnée bancaire enregistrée"
    pending = fw.bank(session, w.structures[1], validate=False)
    assert close(session, 2026, 4).blocked[0].reason == "bank_details_pending"
    bank_details.decide_bank_details(session, f.SECOND, pending, validate=True)
    may = close(session, 2026, 5, when=fw.paris(2026, 6, 2))
    assert [(s.structure_id, s.line_count) for s in may.created] == [(w.structures[1].id, 1)]
    assert may.blocked == []
    assert numbers(session) == ["2026-000001", "2026-000002"]


def test_a_cancelled_scan_is_not_stated_and_a_stated_scan_can_no_longer_be_cancelled(session):
    w = fw.world(session)
    kept = fw.scan(session, w, fw.paris(2026, 3, 5))
    undone = fw.scan(session, w, fw.paris(2026, 3, 6))
    with calendar.at(fw.paris(2026, 3, 6, 12, 5)):
        cancel.cancel(session, fw.RECEPTION, undone.redemption_id, structure_id=w.structures[0].id)
    stated = close(session, 2026, 3).created
    assert [(s.line_count, s.total_cents) for s in stated] == [(1, 1000)]
    with pytest.raises(DomainError) as refused:
        cancel.cancel(session, f.ACTOR, kept.redemption_id, structure_id=None, as_finance=True)
    assert refused.value.code == "already_paid"
    assert ledger_audit.verify(session).ok


def test_finance_staff_of_a_funder_close_only_their_programmes(session):
    mine = fw.world(session)
    other = fw.world(session)
    other.structures = mine.structures
    fw.scan(session, mine, fw.paris(2026, 3, 5))
    fw.scan(session, other, fw.paris(2026, 3, 6))
    accountant = fw.person(session, mine.w.funder_a.id)
    result = close(session, 2026, 3, actor=accountant)
    assert [(s.line_count, s.total_cents) for s in result.created] == [(1, 1000)]
    left = session.scalar(select(Redemption.programme_id).where(Redemption.statement_id.is_(None)))
    assert left == other.programme_id
    everything = close(session, 2026, 3)
    assert [s.line_count for s in everything.created] == [1]
    assert len(everything.statements) == 2  # the operator sees both; the funder only its own
    with calendar.at(MAY):
        again = month_close.close_month(session, accountant, Period(2026, 3))
    assert [s.number for s in again.statements] == [result.created[0].number]


def test_an_empty_month_is_closed_once_with_the_journal_hash(session):
    fw.world(session)
    result = close(session, 2026, 2)
    assert result.created == [] and result.close_id is not None and len(result.journal_hash) == 64
