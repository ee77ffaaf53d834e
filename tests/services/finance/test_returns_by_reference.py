"""A return without our EndToEndId is matched only by what names the original transfer
(its instruction id, or the bank's reference of the debit that paid it); otherwise it
stays unmatched for a person, never matched on amount alone."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tests.documents import camt_files as cf
from tests.services.finance.test_settlement import sent, settle
from voucher.db.models import BankMovement, PaymentTransfer, Statement
from voucher.domain import ledger
from voucher.services.finance import journal, ledger_audit, statements_check


def paid_transfer(session) -> tuple[PaymentTransfer, cf.Line]:
    transfer, *_ = sent(session, 1)
    debit = cf.Line(transfer.amount_cents, e2e=transfer.end_to_end_id, iban=transfer.iban)
    settle(session, cf.camt053([debit]))
    session.refresh(transfer)
    assert transfer.status == "paid"
    return transfer, debit


def a_return(transfer: PaymentTransfer, **kw) -> cf.Line:
    return cf.Line(
        transfer.amount_cents,
        direction="CRDT",
        iban=transfer.iban,
        return_reason="AC04",
        booked=date(2026, 6, 20),
        **kw,
    )


def test_a_return_with_neither_id_nor_reference_is_left_to_a_person_not_matched_on_amount(
    session,
):
    transfer, _ = paid_transfer(session)
    bank_before = journal.balance(session, ledger.bank())
    imp, done = settle(session, cf.camt053([a_return(transfer)]), "retour.xml")
    row = imp.lines[0]
    assert (row["outcome"], row["transfer_id"]) == ("unmatched", None)
    assert "référence d'origine" in row["note"]
    session.refresh(transfer)
    assert transfer.status == "paid"
    assert session.get(Statement, transfer.statement_id).status == "paid"
    assert journal.balance(session, ledger.bank()) == bank_before
    # listed for a person on the reconciliation (an unmatched credit)
    moved = session.scalars(select(BankMovement).where(BankMovement.bank_import_id == imp.id))
    assert [(m.direction, m.outcome) for m in moved] == [("CRDT", "unmatched")]
    assert ledger_audit.verify(session).ok and statements_check.verify(session).ok


def test_a_return_naming_the_original_bank_reference_is_matched_by_it(session):
    transfer, debit = paid_transfer(session)
    imp, done = settle(
        session, cf.camt053([a_return(transfer, tx_id=debit.reference)]), "retour.xml"
    )
    assert (imp.lines[0]["outcome"], imp.lines[0]["matched_by"]) == (
        "returned",
        "original_reference",
    )
    session.refresh(transfer)
    assert transfer.status == "returned"
    assert ledger_audit.verify(session).ok and statements_check.verify(session).ok


def test_a_return_naming_the_original_instruction_id_is_matched_by_it(session):
    transfer, _ = paid_transfer(session)
    imp, done = settle(
        session, cf.camt053([a_return(transfer, instr_id=transfer.end_to_end_id)]), "retour.xml"
    )
    assert imp.lines[0]["outcome"] == "returned"
    session.refresh(transfer)
    assert transfer.status == "returned"


def test_a_rejection_of_a_sent_transfer_without_its_id_is_not_matched_on_amount(session):
    transfer, *_ = sent(session, 1)
    imp, done = settle(session, cf.camt053([a_return(transfer)]))
    assert imp.lines[0]["outcome"] == "unmatched"
    session.refresh(transfer)
    assert transfer.status == "sent"
    assert [m.outcome for m in session.scalars(select(BankMovement))] == ["unmatched"]
