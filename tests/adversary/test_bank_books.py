"""The auditor's year end: settlement entries carry the bank's booking day, so the bank
account in the books at 31 December equals the bank statement's closing balance even when
the statement is imported in January; what the books do not hold (fees, a funder's credit
not yet recorded) explains the difference on the reconciliation, to the cent."""

from __future__ import annotations

from datetime import date

import pytest

from tests.documents import camt_files as cf
from tests.services.finance import finance_world as fw
from tests.services.finance.test_payments import DEBTOR
from voucher.db.models import JournalEntry, PaymentTransfer
from voucher.domain import calendar
from voucher.domain.calendar import paris_date
from voucher.domain.errors import DomainError
from voucher.domain.finance import Period
from voucher.services.context import SYSTEM
from voucher.services.finance import close, ledger_audit, payments, reconciliation, settlement

JANUARY = fw.paris(2027, 1, 4, 9)
DEC_30 = date(2026, 12, 30)


def december_run(session) -> list[PaymentTransfer]:
    w = fw.world(session, structures=2)
    for i in range(2):
        fw.scan(session, w, fw.paris(2026, 11, 3 + i), structure=i)
    with calendar.at(fw.paris(2026, 12, 2)):
        close.close_month(session, SYSTEM, Period(2026, 11))
    with calendar.at(fw.paris(2026, 12, 28)):
        run = payments.create_run(
            session, SYSTEM, debtor=DEBTOR, version="pain.001.001.09", execution_date=DEC_30
        )
    return [t for t in session.query(PaymentTransfer).filter_by(run_id=run.run_id)]


def paid_lines(transfers: list[PaymentTransfer]) -> list[cf.Line]:
    return [
        cf.Line(t.amount_cents, e2e=t.end_to_end_id, iban=t.iban, booked=DEC_30) for t in transfers
    ]


def apply(session, data: bytes, name: str):
    with calendar.at(JANUARY):
        imp = settlement.import_file(session, SYSTEM, data, name)
        return imp, settlement.apply_import(session, SYSTEM, imp.id)


def test_the_bank_account_at_31_december_equals_the_bank_closing_balance(session):
    transfers = december_run(session)
    opening = reconciliation.books_balance(session, date(2026, 12, 29))
    data = cf.camt053(paid_lines(transfers), opening=opening, day=date(2026, 12, 31))
    imp, done = apply(session, data, "releve-decembre.xml")  # imported on 4 January
    assert len(done.paid) == 2
    assert imp.closing_cents == opening - sum(t.amount_cents for t in transfers)
    assert reconciliation.books_balance(session, date(2026, 12, 31)) == imp.closing_cents
    for t in transfers:
        session.refresh(t)
        assert paris_date(session.get(JournalEntry, t.settle_entry_id).at) == DEC_30
    rec = reconciliation.reconcile(session)
    assert (rec.difference, rec.unexplained, len(rec.matched)) == (0, 0, 2)
    assert ledger_audit.verify(session).ok


def test_fees_and_an_unrecorded_credit_explain_the_difference_to_the_cent(session):
    transfers = december_run(session)
    opening = reconciliation.books_balance(session, date(2026, 12, 29))
    lines = paid_lines(transfers) + [
        cf.Line(250, booked=date(2026, 12, 31), fee=True, info="FRAIS TENUE DE COMPTE"),
        cf.Line(
            500_000, "CRDT", booked=date(2026, 12, 31), info="VIR DEPARTEMENT", party="Département"
        ),
        cf.Line(1_234, booked=date(2026, 12, 31), info="PRLV INCONNU", party="Opérateur télécom"),
    ]
    imp, done = apply(session, cf.camt053(lines, opening=opening), "releve.xml")
    assert [r["outcome"] for r in imp.lines] == ["paid", "paid", "fee", "unmatched", "unmatched"]
    rec = reconciliation.reconcile(session, imp.id)
    assert rec.difference == 500_000 - 250 - 1_234
    assert rec.unexplained == 0
    assert [m.amount_cents for m in rec.fees] == [250]
    assert [m.amount_cents for m in rec.unmatched_in] == [500_000]
    assert [m.amount_cents for m in rec.unmatched_out] == [1_234]
    assert [m.counterparty for m in rec.unmatched_in + rec.unmatched_out] == [
        "Département",
        "Opérateur télécom",
    ]


def test_no_statement_with_a_balance_gives_a_french_message(session):
    with pytest.raises(DomainError) as refused:
        reconciliation.reconcile(session)
    assert refused.value.code == "no_bank_balance"
