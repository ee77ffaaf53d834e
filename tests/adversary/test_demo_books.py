"""The doubting accountant on the demo's history: closes every closed month again, asks for
another payment run, and imports the bank's last statement again (the same bytes, made
again from the books). Nothing is stated, paid or settled twice; the books still match the
bank and still pass the audit."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from voucher.db.engine import unit_of_work
from voucher.db.models import BankImport, PaymentRun, PaymentTransfer, Statement
from voucher.domain.calendar import at
from voucher.domain.finance import Period
from voucher.services import demo
from voucher.services.context import SYSTEM
from voucher.services.demo import bank
from voucher.services.finance import (
    close,
    ledger_audit,
    payments,
    reconciliation,
    settings,
    settlement,
    statements_check,
)

TODAY = date(2026, 11, 20)


def books(s) -> tuple:
    return (
        s.execute(select(Statement.number, Statement.status).order_by(Statement.id)).all(),
        s.execute(select(PaymentTransfer.id, PaymentTransfer.status)).all(),
        s.scalar(select(func.count()).select_from(PaymentRun)),
        s.scalar(select(func.count()).select_from(BankImport)),
        reconciliation.reconcile(s).books_cents,
    )


@pytest.mark.slow
def test_closing_paying_and_importing_again_changes_nothing(fresh_engine):
    with unit_of_work(fresh_engine) as s:
        summary = demo.build(s, today=TODAY)
    with unit_of_work(fresh_engine) as s:
        before = books(s)
        last = s.scalars(select(BankImport).order_by(BankImport.id.desc()).limit(1)).one()
        run = s.scalars(select(PaymentRun).order_by(PaymentRun.id.desc()).limit(1)).one()
        lines = [
            bank.debit(t)
            for t in s.scalars(
                select(PaymentTransfer)
                .where(PaymentTransfer.run_id == run.id)
                .order_by(PaymentTransfer.id)
            )
        ]
        again = bank.statement(s, run.execution_date, int(last.statement_ref or 0), lines)
    with unit_of_work(fresh_engine) as s, at(datetime(2026, 11, 20, 9, tzinfo=UTC)):
        for month in summary.closed_months:
            assert close.close_month(s, SYSTEM, Period.parse(month)).created == []
        nothing = payments.create_run(
            s, SYSTEM, debtor=settings.debtor(), version=settings.pain_version()
        )
        assert nothing.run_id is None
        replayed = settlement.import_file(s, SYSTEM, again, "releve-encore.xml")
        assert replayed.id == last.id and replayed.status == "applied"
    with unit_of_work(fresh_engine) as s:
        assert books(s) == before
        seen = reconciliation.reconcile(s)
        assert seen.difference == 0 and seen.unexplained == 0
        assert ledger_audit.verify(s).ok and statements_check.verify(s).ok
