"""The bulk seeder of B4 writes a valid ledger: the audit (entries balanced, their hashes,
balances against postings, payable against accepted scans, seal chain) is green, every
month but the last is closed, and closing the last month through the service states every
seeded scan of it exactly once."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from bench import bulk_world
from voucher.db.engine import unit_of_work
from voucher.db.models import JournalEntry, MonthClose, Posting, Redemption, Statement, Voucher
from voucher.domain import calendar, ledger
from voucher.services.context import SYSTEM
from voucher.services.finance import close, ledger_audit


def test_bulk_world_is_a_valid_ledger_and_its_last_month_closes_once(fresh_engine):
    scans, period = bulk_world.busy_months(fresh_engine, 120, 4, 3)
    assert scans == 120 and str(period) == "2026-05"
    with unit_of_work(fresh_engine) as s:
        report = ledger_audit.verify(s)
        assert report.ok, report.problems
        assert s.scalar(select(func.count()).select_from(MonthClose)) == 2
        assert s.scalar(select(func.count()).where(Redemption.status == "accepted")) == 120
        assert s.scalar(select(func.count()).where(Voucher.state == "redeemed")) == 120
        unstated = s.execute(
            select(func.count(), func.sum(Redemption.face_value_cents)).where(
                Redemption.statement_id.is_(None)
            )
        ).one()
        assert tuple(unstated) == (40, 40 * 1000)
        # each scan's entry: two postings, outstanding -> payable of its structure, its hash
        # the one the service computes
        r = s.scalars(select(Redemption).order_by(Redemption.id.desc()).limit(1)).one()
        entry = s.get(JournalEntry, r.entry_id)
        assert entry is not None and entry.kind == "redemption.accepted"
        amounts = s.scalars(select(Posting.amount).where(Posting.entry_id == entry.id)).all()
        assert sorted(amounts) == [-1000, 1000]
        assert entry.hash == ledger.entry_hash(
            entry.ref,
            entry.kind,
            entry.at.isoformat(),
            [
                (ledger.outstanding(r.programme_id, r.prescriber_id), 1000),
                (ledger.payable(r.structure_id), -1000),
            ],
        )
        assert period.bounds()[0] <= r.scanned_at < period.bounds()[1]
    with (
        unit_of_work(fresh_engine) as s,
        calendar.at(period.next().bounds()[0] + timedelta(days=1)),
    ):
        done = close.close_month(s, SYSTEM, period)
        assert len(done.created) == 4 and done.total_cents == 40 * 1000
    with unit_of_work(fresh_engine) as s:
        assert s.scalar(select(func.count()).where(Redemption.statement_id.is_(None))) == 0
        assert s.scalar(select(func.sum(Statement.line_count))) == 120
        assert ledger_audit.verify(s).ok
