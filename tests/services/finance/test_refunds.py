"""Refunds to funders are payments: a credit note's refund is owed to the funder, paid by a
payment run in a SEPA file valid against its XSD, settled by the bank file by EndToEndId
(a repeat of the line changes nothing), and owed again after a return."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest
from sqlalchemy import func, select

from tests import factories as f
from tests.documents import camt_files as cf
from tests.services.finance import finance_world as fw
from tests.services.finance.test_credit_notes import AUGUST, short_world
from tests.services.finance.test_payments import DEBTOR
from voucher.db.models import (
    BankAccount,
    CreditNote,
    JournalEntry,
    Organisation,
    PaymentRun,
    PaymentTransfer,
)
from voucher.documents import sepa
from voucher.domain import calendar, ledger
from voucher.domain.errors import DomainError
from voucher.services.context import SYSTEM
from voucher.services.finance import (
    credit_notes,
    journal,
    ledger_audit,
    payments,
    settlement,
    statements_check,
)
from voucher.services.issuance import expiry

SEPTEMBER = fw.paris(2026, 9, 1)
BOOKED = date(2026, 9, 3)


def owed_notes(session, *, banked: bool = True):
    w = short_world(session)
    if banked:
        for funder in (w.w.funder_a, w.w.funder_b):
            fw.bank(session, funder)
    with calendar.at(AUGUST):
        expiry.expire_programme(session, SYSTEM, w.programme_id)
        notes = credit_notes.issue(session, SYSTEM, w.programme_id)
    return w, notes


def pay(session, when=SEPTEMBER):
    with calendar.at(when):
        return payments.create_run(
            session,
            SYSTEM,
            debtor=DEBTOR,
            version="pain.001.001.09",
            execution_date=calendar.next_target2_business_day(when.date()),
        )


def bank_file(session, data: bytes, name: str = "releve.xml"):
    with calendar.at(fw.paris(2026, 9, 10)):
        imp = settlement.import_file(session, SYSTEM, data, name)
        return imp, settlement.apply_import(session, SYSTEM, imp.id)


def refund_transfers(session) -> list[PaymentTransfer]:
    return list(
        session.scalars(
            select(PaymentTransfer)
            .where(PaymentTransfer.credit_note_id.isnot(None))
            .order_by(PaymentTransfer.id)
        )
    )


def entries(session) -> int:
    return int(session.scalar(select(func.count()).select_from(JournalEntry)) or 0)


def test_a_credit_notes_refund_is_owed_paid_in_a_valid_sepa_file_and_settled_by_the_bank(session):
    w, notes = owed_notes(session)
    bank_before = journal.balance(session, ledger.bank())
    assert [(n.number, n.refund_status) for n in notes] == [
        ("AV-2026-0001", "owed"),
        ("AV-2026-0002", "owed"),
    ]
    for n in notes:  # owed to the funder: a liability, not money out of the bank yet
        assert journal.balance(session, ledger.refund_payable(n.funder_id)) == -n.amount_cents
    assert ledger_audit.verify(session).ok

    result = pay(session)
    assert [r.number for r in result.refunds] == ["AV-2026-0001", "AV-2026-0002"]
    stored = session.get(PaymentRun, result.run_id)
    assert sepa.validate(stored.file, "pain.001.001.09") == []
    root = ET.fromstring(stored.file)
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}
    e2e = [e.text for e in root.iterfind(".//p:CdtTrfTxInf/p:PmtId/p:EndToEndId", ns)]
    assert e2e == ["RBT-AV-2026-0001-1", "RBT-AV-2026-0002-1"]
    ibans = [e.text for e in root.iterfind(".//p:CdtTrfTxInf/p:CdtrAcct/p:Id/p:IBAN", ns)]
    funder_ibans = {
        a.organisation_id: a.iban
        for a in session.scalars(select(BankAccount).where(BankAccount.status == "validated"))
    }
    assert ibans == [funder_ibans[n.funder_id] for n in notes]
    assert stored.total_cents == sum(n.amount_cents for n in notes)
    for n in notes:
        session.refresh(n)
        assert n.refund_status == "in_payment"
        assert journal.balance(session, ledger.refund_payable(n.funder_id)) == 0
        assert journal.balance(session, ledger.refund_in_payment(n.funder_id)) == -n.amount_cents
    assert journal.balance(session, ledger.bank()) == bank_before
    assert pay(session).run_id is None  # nothing owed any more: nothing sent twice

    sent = refund_transfers(session)
    lines = [cf.Line(t.amount_cents, e2e=t.end_to_end_id, iban=t.iban, booked=BOOKED) for t in sent]
    imp, done = bank_file(session, cf.camt054(lines))
    assert [r["outcome"] for r in imp.lines] == ["paid", "paid"]
    assert done.paid == ["AV-2026-0001", "AV-2026-0002"]
    for n in notes:
        session.refresh(n)
        assert n.refund_status == "paid"
        assert journal.balance(session, ledger.refund_in_payment(n.funder_id)) == 0
    assert journal.balance(session, ledger.bank()) == bank_before - sum(
        n.amount_cents for n in notes
    )
    assert ledger_audit.verify(session).ok and statements_check.verify(session).ok

    # the end-of-day camt.053 reports the same lines again: nothing changes
    count = entries(session)
    imp, done = bank_file(session, cf.camt053(lines), "fin-de-journee.xml")
    assert [r["outcome"] for r in imp.lines] == ["repeat", "repeat"]
    assert done.paid == [] and entries(session) == count
    assert journal.balance(session, ledger.bank()) == bank_before - sum(
        n.amount_cents for n in notes
    )
    assert ledger_audit.verify(session).ok and statements_check.verify(session).ok


def test_a_return_of_the_refund_keeps_it_owed_and_suspends_the_funders_bank_details(session):
    w, notes = owed_notes(session)
    pay(session)
    first, second = refund_transfers(session)
    paid = [
        cf.Line(t.amount_cents, e2e=t.end_to_end_id, iban=t.iban, booked=BOOKED)
        for t in (first, second)
    ]
    bank_file(session, cf.camt053(paid))
    bank_after_paid = journal.balance(session, ledger.bank())
    back = cf.Line(
        first.amount_cents,
        direction="CRDT",
        e2e=first.end_to_end_id,
        iban=first.iban,
        return_reason="AC04",
        booked=date(2026, 9, 8),
    )
    imp, done = bank_file(session, cf.camt053([back]), "retour.xml")
    assert done.returned == [("AV-2026-0001", "compte clôturé (AC04)")]
    note = session.get(CreditNote, first.credit_note_id)
    session.refresh(note)
    assert note.refund_status == "owed"
    assert journal.balance(session, ledger.refund_payable(note.funder_id)) == -note.amount_cents
    assert journal.balance(session, ledger.bank()) == bank_after_paid + note.amount_cents
    assert ledger_audit.verify(session).ok and statements_check.verify(session).ok
    account = session.get(BankAccount, first.bank_account_id)
    assert account.status == "suspended"
    # the next run does not send it to the closed account: it stays owed, listed as blocked
    again = pay(session, fw.paris(2026, 9, 15))
    assert again.run_id is None
    assert [(r.number, r.withheld) for r in again.refunds_withheld] == [
        ("AV-2026-0001", "bank_details_suspended")
    ]
    assert "AC04" in again.refunds_withheld[0].withheld_fr
    # the same return reported again changes nothing
    count = entries(session)
    imp, done = bank_file(session, cf.camt054([back]), "retour-bis.xml")
    assert [r["outcome"] for r in imp.lines] == ["repeat"] and entries(session) == count


def test_a_rejected_refund_is_owed_again_and_paid_by_the_next_run_with_a_new_id(session):
    w, notes = owed_notes(session)
    pay(session)
    first, _ = refund_transfers(session)
    rejected = cf.Line(
        first.amount_cents,
        direction="CRDT",
        e2e=first.end_to_end_id,
        iban=first.iban,
        return_reason="MS03",
        booked=BOOKED,
    )
    imp, done = bank_file(session, cf.camt053([rejected]))
    assert done.rejected == [("AV-2026-0001", "motif non précisé (MS03)")]
    session.refresh(notes[0])
    assert notes[0].refund_status == "owed"
    assert ledger_audit.verify(session).ok
    again = pay(session, fw.paris(2026, 9, 15))
    assert [r.number for r in again.refunds] == ["AV-2026-0001"]
    assert refund_transfers(session)[-1].end_to_end_id == "RBT-AV-2026-0001-2"


def test_a_funder_without_validated_bank_details_is_withheld_and_stays_owed(session):
    w, notes = owed_notes(session, banked=False)
    result = pay(session)
    assert result.run_id is None
    assert {r.withheld for r in result.refunds_withheld} == {"bank_details_not_validated"}
    assert all(n.refund_status == "owed" for n in notes)
    assert ledger_audit.verify(session).ok


def test_a_funder_without_a_structured_address_is_withheld_until_it_has_one(session):
    """The refund's creditor must carry a structured postal address (banks refuse a transfer
    without one): a funder missing its street or town is withheld, nothing is sent, and the
    next run after the address is completed pays it, in a file valid against its XSD."""
    w, notes = owed_notes(session)
    funder = session.get(Organisation, notes[0].funder_id)
    street, town = funder.street, funder.town
    funder.street, funder.town = None, ""
    session.flush()
    before = entries(session)
    result = pay(session)
    assert [(r.number, r.withheld) for r in result.refunds_withheld] == [
        (notes[0].number, "address_incomplete")
    ]
    assert "adresse du financeur incomplète" in result.refunds_withheld[0].withheld_fr
    assert [r.number for r in result.refunds] == [notes[1].number]
    session.refresh(notes[0])
    assert notes[0].refund_status == "owed"
    assert (
        journal.balance(session, ledger.refund_payable(notes[0].funder_id))
        == -notes[0].amount_cents
    )
    assert entries(session) == before + 1  # the other funder's refund only

    funder.street, funder.town = street, town
    session.flush()
    again = pay(session)
    assert [r.number for r in again.refunds] == [notes[0].number]
    stored = session.get(PaymentRun, again.run_id)
    assert sepa.validate(stored.file, "pain.001.001.09") == []
    root = ET.fromstring(stored.file)
    ns = {"p": "urn:iso:std:iso:20022:tech:xsd:pain.001.001.09"}
    town_names = [e.text for e in root.iterfind(".//p:Cdtr/p:PstlAdr/p:TwnNm", ns)]
    assert town_names and all(town_names)
    assert ledger_audit.verify(session).ok


def test_the_fec_books_the_refund_owed_sent_and_paid_in_their_journals_and_passes_the_checks(
    session,
):
    from tests.adversary.test_fec_auditor import compta_demat, export

    w, notes = owed_notes(session)
    pay(session)
    lines = [
        cf.Line(t.amount_cents, e2e=t.end_to_end_id, iban=t.iban, booked=BOOKED)
        for t in refund_transfers(session)
    ]
    bank_file(session, cf.camt053(lines))
    rows = compta_demat(export(session, 2026), 2026)
    by_label: dict[str, set[tuple[str, str, str]]] = {}
    for r in rows:
        by_label.setdefault(r["EcritureLib"].split(" - ")[0], set()).add(
            (r["JournalCode"], r["CompteNum"], r["PieceRef"][:3])
        )
    assert by_label["Remboursement dû au financeur"] == {
        ("AV", "467100", "AV-"),
        ("AV", "467500", "AV-"),
    }
    assert by_label["Virement de remboursement émis"] == {
        ("VF", "467500", "AV-"),
        ("VF", "467600", "AV-"),
    }
    assert by_label["Remboursement confirmé par la banque"] == {
        ("BQ", "467600", "AV-"),
        ("BQ", "512000", "AV-"),
    }
    refund_lines = [r for r in rows if r["CompteNum"] in ("467500", "467600")]
    assert {r["CompAuxNum"] for r in refund_lines} == {f"F{n.funder_id:06d}" for n in notes}
    # each refund's lines are lettered to its credit note once the bank paid it
    assert {(r["PieceRef"], r["EcritureLet"]) for r in refund_lines} == {
        (n.number, n.number) for n in notes
    }
    assert {(r["CompteNum"], r["DateLet"]) for r in refund_lines} == {
        ("467500", "20260901"),  # owed until sent
        ("467600", BOOKED.strftime("%Y%m%d")),  # in payment until the bank's day
    }


def test_a_refund_can_be_confirmed_by_hand_once_and_not_by_another_funder(session):
    w, notes = owed_notes(session)
    pay(session)
    first, _ = refund_transfers(session)
    stranger = fw.person(session, f.funder(session, "Autre fondation").id)
    with pytest.raises(DomainError) as hidden:
        settlement.confirm(session, stranger, first.id, "paid")
    assert hidden.value.code == "not_found"
    with calendar.at(fw.paris(2026, 9, 4)):
        settlement.confirm(session, SYSTEM, first.id, "paid")
        with pytest.raises(DomainError) as twice:
            settlement.confirm(session, SYSTEM, first.id, "paid")
    assert twice.value.code == "transfer_already_settled"
    session.refresh(notes[0])
    assert notes[0].refund_status == "paid"
    assert ledger_audit.verify(session).ok and statements_check.verify(session).ok
