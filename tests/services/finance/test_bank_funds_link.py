"""An unmatched credit (a funder's transfer) linked to its funds received from the bank
line instead of re-typed: recorded once (a second link is refused with a code), the line
then counts as matched and the reconciliation difference is gone."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.adversary.test_bank_books import JANUARY, apply, december_run, paid_lines
from tests.documents import camt_files as cf
from tests.services.finance import finance_world as fw
from voucher.db.models import BankMovement, FundsReceived, JournalEntry, Programme
from voucher.domain import calendar, ledger
from voucher.domain.calendar import paris_date
from voucher.domain.errors import DomainError
from voucher.services.context import SYSTEM
from voucher.services.finance import journal, ledger_audit, reconciliation
from voucher.services.issuance import funds as funds_service

DEC_31 = date(2026, 12, 31)


def link(session, actor, line_id: int, **kw) -> FundsReceived:
    with calendar.at(JANUARY):
        return reconciliation.link_funds(session, actor, line_id, **kw)


def with_a_funders_credit(session):
    transfers = december_run(session)
    opening = reconciliation.books_balance(session, date(2026, 12, 29))
    credit = cf.Line(500_000, "CRDT", booked=DEC_31, info="VIR DEPARTEMENT", party="Département")
    imp, _ = apply(
        session, cf.camt053(paid_lines(transfers) + [credit], opening=opening), "releve.xml"
    )
    line = session.scalars(select(BankMovement).where(BankMovement.direction == "CRDT")).one()
    programme = session.scalars(select(Programme)).one()
    return imp, line, programme


def test_an_unmatched_credit_becomes_the_funders_funds_received_once(session):
    imp, line, programme = with_a_funders_credit(session)
    funder_id = next(p[1] for p in reconciliation.funding_choices(session))
    assert reconciliation.reconcile(session, imp.id).difference == 500_000
    funds_before = journal.balance(session, ledger.funder_funds(funder_id, programme.id))
    funds = link(session, SYSTEM, line.id, programme_id=programme.id, funder_id=funder_id)
    assert (funds.amount_cents, funds.received_on, funds.reference) == (
        500_000,
        DEC_31,
        line.reference,
    )
    assert paris_date(session.get(JournalEntry, funds.entry_id).at) == DEC_31
    assert (
        journal.balance(session, ledger.funder_funds(funder_id, programme.id))
        == funds_before - 500_000
    )
    session.refresh(line)
    assert (line.outcome, line.funds_received_id) == ("funds", funds.id)
    rec = reconciliation.reconcile(session, imp.id)
    assert (rec.difference, rec.unexplained, rec.unmatched_in) == (0, 0, [])
    assert line in rec.matched
    count = session.scalar(select(func.count()).select_from(FundsReceived))
    with pytest.raises(DomainError) as twice:
        link(session, SYSTEM, line.id, programme_id=programme.id, funder_id=funder_id)
    assert twice.value.code == "bank_line_already_linked"
    assert session.scalar(select(func.count()).select_from(FundsReceived)) == count
    assert ledger_audit.verify(session).ok


def test_a_credit_linked_to_funds_typed_by_hand_records_nothing_new(session):
    imp, line, programme = with_a_funders_credit(session)
    funder_id = next(p[1] for p in reconciliation.funding_choices(session))
    typed = funds_service.record_funds_received(
        session,
        SYSTEM,
        programme_id=programme.id,
        funder_id=funder_id,
        amount_cents=500_000,
        received_on=DEC_31,
    )
    wrong = funds_service.record_funds_received(
        session,
        SYSTEM,
        programme_id=programme.id,
        funder_id=funder_id,
        amount_cents=499_999,
        received_on=DEC_31,
    )
    with pytest.raises(DomainError) as differs:
        link(session, SYSTEM, line.id, funds_id=wrong.id)
    assert differs.value.code == "bank_line_amount_differs"
    count = session.scalar(select(func.count()).select_from(FundsReceived))
    assert link(session, SYSTEM, line.id, funds_id=typed.id).id == typed.id
    assert session.scalar(select(func.count()).select_from(FundsReceived)) == count
    session.refresh(line)
    assert line.outcome == "funds"


def test_only_an_unmatched_credit_can_be_linked(session):
    imp, line, programme = with_a_funders_credit(session)
    funder_id = next(p[1] for p in reconciliation.funding_choices(session))
    debit = session.scalars(
        select(BankMovement).where(BankMovement.direction == "DBIT").limit(1)
    ).one()
    with pytest.raises(DomainError) as refused:
        link(session, SYSTEM, debit.id, programme_id=programme.id, funder_id=funder_id)
    assert refused.value.code == "bank_line_not_linkable"
    outsider = fw.person(session, funder_id)
    with pytest.raises(DomainError) as scoped:
        link(session, outsider, line.id, programme_id=programme.id, funder_id=funder_id)
    assert scoped.value.code == "bank_scope"
    session.refresh(line)
    assert (line.outcome, line.funds_received_id) == ("unmatched", None)
