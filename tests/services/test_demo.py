"""The demo gives every workspace something to look at, the review queue and the alerts
included, and looks like month ten of a real pilot for finance: past months closed, their
statements paid through a bank file imported like any other, one transfer returned then paid
again to new bank details validated by a second person, holds decided; ``voucher audit``
and ``voucher statements check`` pass on it."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from voucher.cli.main import main
from voucher.db.engine import unit_of_work
from voucher.db.models import (
    BankAccount,
    BankAccountEvent,
    BankImport,
    Hold,
    MonthClose,
    PaymentApproval,
    PaymentRun,
    PaymentTransfer,
    Statement,
    User,
)
from voucher.db.queries.directory import labelled_places
from voucher.documents import lieux_export
from voucher.domain import places
from voucher.domain.finance import Period
from voucher.services import demo
from voucher.services.access import programme_scope
from voucher.services.context import Actor
from voucher.services.finance import ledger_audit, overview, reconciliation, statements_check
from voucher.services.finance.scope import EVERYTHING, finance_scope
from voucher.services.organisations import bank_details
from voucher.services.redemption import alerts, holds, review

TODAY = date(2026, 11, 20)


@pytest.fixture(scope="module")
def built(databases):
    engine = databases.engine()
    with unit_of_work(engine) as s:
        summary = demo.build(s, today=TODAY)
    return engine, summary


@pytest.mark.slow
def test_finance_sees_ten_months_closed_paid_and_reconciled(built, tmp_path, monkeypatch):
    engine, summary = built
    months = [f"2026-{m:02d}" for m in range(1, 11)]
    assert summary.closed_months == months
    with unit_of_work(engine) as s:
        assert s.scalars(select(MonthClose.period).order_by(MonthClose.period)).all() == months
        for month in months:  # every voucher of a closed month is stated and paid
            status = overview.month_status(s, EVERYTHING, Period.parse(month))
            assert status.closed_at is not None and status.statements >= 3, month
            assert status.redeemed_cents > 0
            assert status.cents["paid"] == status.redeemed_cents, (month, status.cents)
        assert overview.month_status(s, EVERYTHING, Period(2026, 11)).closed_at is None
        assert set(s.scalars(select(Statement.status))) == {"paid"}
        assert summary.paid_statements == s.scalar(select(func.count()).select_from(Statement))
        # every payment run settled by a bank file through the import path, books = bank
        runs = s.scalar(select(func.count()).select_from(PaymentRun))
        assert runs == 11  # ten months and the run that paid the returned transfer again
        assert {i.status for i in s.scalars(select(BankImport))} == {"applied"}
        seen = reconciliation.reconcile(s)
        assert seen.day < TODAY and seen.difference == 0 and seen.unexplained == 0
        assert seen.books_cents > 0
        assert ledger_audit.verify(s).ok and statements_check.verify(s).ok
        _returned_then_repaid(s, summary)
        decided = dict(s.execute(select(Hold.status, func.count()).group_by(Hold.status)).all())
        assert decided == {"released": 1, "rejected": 1, "open": 2}
        assert summary.decided_holds == ["libérée", "rejetée"]
        # the demo's finance login is the operator's, so it sees the bank reconciliation
        morgan = s.scalar(select(User).where(User.email == "finance@demo.pass-numerique.test"))
        grant = Actor(label=morgan.name, user_id=morgan.id, role="finance")
        assert finance_scope(s, grant).everything
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("VOUCHER_INSTANCE", str(tmp_path))
    for command in (["audit"], ["statements", "check"]):
        said = CliRunner().invoke(main, command)
        assert said.exit_code == 0, (command, said.output)


def _returned_then_repaid(s, summary) -> None:
    """June's transfer to Châtellerault came back AC04; its statement was paid again to
    new details entered by one person and validated by another, approved by two."""
    assert len(summary.returned) == 1 and summary.repaid == summary.returned
    back = s.scalars(select(PaymentTransfer).where(PaymentTransfer.status != "paid")).all()
    assert [(t.end_to_end_id, t.status) for t in back] == [(summary.returned[0], "returned")]
    statement = s.get(Statement, back[0].statement_id)
    assert statement.period == "2026-06" and statement.status == "paid"
    again = s.scalars(
        select(PaymentTransfer).where(PaymentTransfer.statement_id == statement.id)
    ).all()
    assert [t.status for t in again] == ["returned", "paid"]
    assert again[0].iban != again[1].iban
    old, new = (s.get(BankAccount, t.bank_account_id) for t in again)
    history = [
        e.status
        for e in s.scalars(
            select(BankAccountEvent)
            .where(BankAccountEvent.bank_account_id == old.id)
            .order_by(BankAccountEvent.id)
        )
    ]
    assert history[-2:] == ["suspended", "replaced"]
    assert new.status == "validated"
    entered = bank_details.entered_by(s, new.id)
    validator = s.scalar(
        select(BankAccountEvent.actor_user_id).where(
            BankAccountEvent.bank_account_id == new.id, BankAccountEvent.status == "validated"
        )
    )
    assert None not in (entered, validator) and entered != validator
    approvers = set(
        s.scalars(
            select(PaymentApproval.user_id).where(PaymentApproval.statement_id == statement.id)
        )
    )
    assert len(approvers) == 2


@pytest.mark.slow
def test_the_demo_leaves_held_scans_to_review_and_alerts(built):
    fresh_engine, summary = built
    assert summary.held == 2
    with unit_of_work(fresh_engine) as s:
        assert ledger_audit.verify(s).ok
        funder = s.scalar(select(User).where(User.email == "financeur@demo.pass-numerique.test"))
        reviewer = Actor(label="Camille", user_id=funder.id)
        scope = programme_scope.scope_for(s, reviewer)
        open_holds = review.list_holds(s, scope)
        assert sorted(h.rule for h in open_holds) == ["book_per_day", "book_per_day"]
        assert len({h.structure_id for h in open_holds}) == 2
        assert all(
            h.evidence["count_today"] == 3 and len(h.evidence["redemption_ids"]) == 2
            for h in open_holds
        )
        assert all(h.scanner_user_id not in (None, funder.id) for h in open_holds)
        high = alerts.list_flags(
            s, scope, alerts.FlagFilter(rule="already_redeemed", severity="high")
        )
        assert len(high) == 1
        holds.release(s, reviewer, open_holds[0].id)
        holds.reject(s, reviewer, open_holds[1].id, "carnet présenté par un tiers")
    with unit_of_work(fresh_engine) as s:
        assert ledger_audit.verify(s).ok


@pytest.mark.slow
def test_the_demo_places_say_when_to_come_and_go_to_the_national_export(built):
    """The letter given with a carnet lists the nearest places with their opening hours:
    every demo place has hours, services and a position, and all of them are exported."""
    engine, _summary = built
    with unit_of_work(engine) as s:
        found = labelled_places(s, TODAY)
    assert len(found) == 6
    for p in found:
        assert places.hours_in_french(p.hours) and p.hours_text and p.services
        assert p.latitude is not None and p.longitude is not None
    rows = lieux_export.csv_bytes(found).decode().splitlines()
    assert len(rows) == 1 + 6 and all(lieux_export.exportable(p) for p in found)
