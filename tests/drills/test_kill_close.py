"""Fault drill: SIGKILL ``voucher close --confirm`` and ``voucher payrun create --confirm``
inside their transaction, at the fault points after their last write. Nothing may be
half-done (no statement, no claimed scan, no transfer, no entry, no SEPA file), the ledger
stays coherent, and the rerun does it once."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select

from tests.drills import crash
from tests.services.finance.finance_world import busy_months
from voucher.db.engine import unit_of_work
from voucher.db.models import (
    JournalEntry,
    MonthClose,
    PaymentRun,
    PaymentTransfer,
    Redemption,
    Statement,
)
from voucher.services.finance import ledger_audit

CLOSE = ("close", "--month", "2026-03", "--confirm")


def _counts(engine) -> tuple[int, ...]:
    with unit_of_work(engine) as s:
        claimed = s.scalar(
            select(func.count()).select_from(Redemption).where(Redemption.statement_id.isnot(None))
        )
        return (
            claimed,
            *(
                s.scalar(select(func.count()).select_from(m))
                for m in (Statement, MonthClose, PaymentRun, PaymentTransfer, JournalEntry)
            ),
        )


def _ledger_holds(engine) -> None:
    with unit_of_work(engine) as s:
        assert ledger_audit.verify(s).ok


def test_killing_a_close_and_a_payment_run_midway_leaves_nothing_and_reruns_complete_once(
    fresh_engine, tmp_path
):
    busy_months(fresh_engine, scans=3_000, structures=300)
    url = fresh_engine.url.render_as_string(hide_password=False)
    before = _counts(fresh_engine)
    crash.kill_at("close.statements_written", url, tmp_path, *CLOSE)
    assert _counts(fresh_engine) == before
    _ledger_holds(fresh_engine)
    crash.complete(url, tmp_path, *CLOSE)
    closed = _counts(fresh_engine)
    assert closed[:3] == (3_000, 300, 1)
    crash.complete(url, tmp_path, *CLOSE)
    assert _counts(fresh_engine) == closed
    with unit_of_work(fresh_engine) as s:
        assert list(s.scalars(select(Statement.seq).order_by(Statement.seq))) == list(range(1, 301))

    sepa = tmp_path / "virements.xml"
    pay = ("payrun", "create", "--confirm", "--output", str(sepa))
    crash.kill_at("payrun.transfers_written", url, tmp_path, *pay)
    assert _counts(fresh_engine) == closed
    assert not sepa.exists()  # the file is written only after the commit
    crash.complete(url, tmp_path, *pay)
    paid = _counts(fresh_engine)
    assert paid[3:5] == (1, 300) and paid[5] == closed[5] + 300
    assert "Rien à payer" in crash.complete(url, tmp_path, *pay[:-2])
    assert _counts(fresh_engine) == paid
    _ledger_holds(fresh_engine)
    with unit_of_work(fresh_engine) as s:
        assert set(s.scalars(select(Statement.status))) == {"in_payment"}
        assert s.scalar(select(PaymentRun.sha256)) == hashlib.sha256(sepa.read_bytes()).hexdigest()
