"""The attacker's and the careless bank's view of refunds to funders: a refund is never
paid twice (a run again, the line reported again under a new reference), never paid to an
IBAN changed a moment ago without two people, never matched by amount when the bank sends it
back without its id, never visible to another funder's accountant, and books that say a
refund was paid when the bank never said so are caught by ``voucher audit``."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text

from tests import factories as f
from tests.documents import camt_files as cf
from tests.services.finance import finance_world as fw
from tests.services.finance.test_payments import DEBTOR
from tests.services.finance.test_refunds import (
    BOOKED,
    SEPTEMBER,
    bank_file,
    entries,
    owed_notes,
    pay,
    refund_transfers,
)
from voucher.db.models import CreditNote, PaymentTransfer
from voucher.domain import calendar, ledger
from voucher.domain.errors import DomainError
from voucher.services.finance import journal, ledger_audit, payments, refunds
from voucher.services.finance.scope import finance_scope


def paid(session):
    w, notes = owed_notes(session)
    pay(session)
    sent = refund_transfers(session)
    lines = [cf.Line(t.amount_cents, e2e=t.end_to_end_id, iban=t.iban, booked=BOOKED) for t in sent]
    bank_file(session, cf.camt053(lines))
    return w, notes, sent


def test_the_same_refund_line_under_a_new_bank_reference_changes_nothing(session):
    w, notes, sent = paid(session)
    bank = journal.balance(session, ledger.bank())
    count = entries(session)
    again = [
        cf.Line(t.amount_cents, e2e=t.end_to_end_id, iban=t.iban, booked=BOOKED, ref=f"NEW{t.id}")
        for t in sent
    ]
    imp, done = bank_file(session, cf.camt054(again), "encore.xml")
    assert [r["outcome"] for r in imp.lines] == ["already_settled", "already_settled"]
    assert done.paid == [] and entries(session) == count
    assert journal.balance(session, ledger.bank()) == bank
    assert pay(session, fw.paris(2026, 9, 20)).run_id is None
    assert ledger_audit.verify(session).ok


def test_a_return_of_a_refund_without_its_id_is_not_matched_on_amount(session):
    w, notes, sent = paid(session)
    first = sent[0]
    back = cf.Line(first.amount_cents, "CRDT", iban=first.iban, return_reason="AC04", booked=BOOKED)
    imp, done = bank_file(session, cf.camt053([back]), "retour.xml")
    assert imp.lines[0]["outcome"] == "unmatched" and done.returned == []
    session.refresh(first)
    assert first.status == "paid"
    assert session.get(CreditNote, first.credit_note_id).refund_status == "paid"


def test_a_refund_to_an_iban_changed_just_now_waits_for_two_different_people(session):
    w, notes = owed_notes(session)
    with calendar.at(fw.paris(2026, 8, 30)):
        fw.bank(session, w.w.funder_a)  # someone replaced the funder's IBAN two days ago
    result = pay(session)
    assert [(r.funder_id, r.withheld) for r in result.refunds_withheld] == [
        (w.w.funder_a.id, "second_approval_needed")
    ]
    held = result.refunds_withheld[0].credit_note_id
    operator = fw.operator(session)
    one, two = fw.person(session, operator), fw.person(session, operator)
    with calendar.at(SEPTEMBER):
        assert refunds.approve(session, one, held) == 1
        with pytest.raises(DomainError) as twice:
            refunds.approve(session, one, held)
        assert twice.value.code == "second_approval_same_person"
    assert pay(session, fw.paris(2026, 9, 2)).run_id is None
    with calendar.at(SEPTEMBER):
        assert refunds.approve(session, two, held) == 2
    assert [r.credit_note_id for r in pay(session, fw.paris(2026, 9, 2)).refunds] == [held]


def test_another_funders_accountant_neither_sees_nor_pays_nor_approves_the_refunds(session):
    w, notes = owed_notes(session)
    stranger = fw.person(session, f.funder(session, "Autre fondation").id)
    scope = finance_scope(session, stranger)
    assert refunds.due(session, scope) == []
    with calendar.at(SEPTEMBER):
        result = payments.create_run(
            session,
            stranger,
            debtor=DEBTOR,
            version="pain.001.001.09",
        )
        with pytest.raises(DomainError) as hidden:
            refunds.approve(session, stranger, notes[0].id)
    assert result.run_id is None and hidden.value.code == "not_found"
    assert session.scalar(select(func.count()).select_from(PaymentTransfer)) == 0


def test_books_saying_a_refund_was_paid_without_the_bank_are_caught_by_the_audit(session):
    w, notes = owed_notes(session)
    assert ledger_audit.verify(session).ok
    session.execute(
        text("UPDATE credit_note SET refund_status = 'paid' WHERE id = :i"), {"i": notes[0].id}
    )
    report = ledger_audit.verify(session)
    assert not report.ok
    assert "refund_vs_credit_notes" in {p.check for p in report.problems}
