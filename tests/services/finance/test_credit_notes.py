"""Expiry settlement: alerts before the end of validity, then one credit note per funder
for the unused value, booked breakage -> funder funds -> refund owed to the funder (paid by
a payment run: tests/services/finance/test_refunds.py), and nothing twice."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from tests import factories as f
from tests.services.finance import finance_world as fw
from voucher.db.models import Hold
from voucher.documents.statement_pdf import credit_note_pdf
from voucher.domain import calendar, ledger
from voucher.domain.errors import DomainError
from voucher.services.context import SYSTEM
from voucher.services.finance import credit_notes, journal, ledger_audit
from voucher.services.finance.scope import EVERYTHING
from voucher.services.issuance import books, expiry
from voucher.services.redemption import holds

AUGUST = fw.paris(2026, 8, 5)


def short_world(session, **kw) -> fw.FinanceWorld:
    return fw.world(
        session,
        books=3,
        valid_from=date(2026, 1, 1),
        valid_until=date(2026, 6, 30),
        grace_days=31,
        **kw,
    )


def test_alerts_list_programmes_ending_soon_then_due_then_to_credit(session):
    w = short_world(session)
    assert [
        a.kind
        for a in credit_notes.alerts(session, EVERYTHING, today=date(2026, 5, 1))
        if a.programme_id == w.programme_id
    ] == []
    ending = [
        a
        for a in credit_notes.alerts(session, EVERYTHING, today=date(2026, 6, 10))
        if a.programme_id == w.programme_id
    ]
    assert [(a.kind, a.unused_vouchers, a.unused_cents) for a in ending] == [("ending", 30, 30_000)]
    assert ending[0].kind_fr == "fin de validité proche"
    due = credit_notes.alerts(session, EVERYTHING, today=date(2026, 8, 1))
    assert [a.kind for a in due if a.programme_id == w.programme_id] == ["due"]
    with calendar.at(AUGUST):
        expiry.expire_programme(session, SYSTEM, w.programme_id)
    owed = [
        a
        for a in credit_notes.alerts(session, EVERYTHING, today=date(2026, 8, 5))
        if a.programme_id == w.programme_id
    ]
    assert [(a.kind, a.unused_cents) for a in owed] == [("to_credit", 30_000)]


def test_each_funder_gets_a_numbered_credit_note_for_its_share_of_the_unused_value(session):
    w = short_world(session)
    for day in (2, 3, 4):
        fw.scan(session, w, fw.paris(2026, 3, day))
    with calendar.at(fw.paris(2026, 4, 1)):
        books.report_book(session, f.ACTOR, w.w.batch.first_serial + 2, reason="lost")
    with pytest.raises(DomainError) as early:
        credit_notes.issue(session, SYSTEM, w.programme_id)
    assert early.value.code == "programme_not_expired"
    with calendar.at(AUGUST):
        report = expiry.expire_programme(session, SYSTEM, w.programme_id)
        notes = credit_notes.issue(session, SYSTEM, w.programme_id)
    breakage = report.breakage_cents + 10 * 1000  # the lost book went to breakage when reported
    assert breakage == 27_000
    assert [(n.number, n.amount_cents, n.share_bp) for n in notes] == [
        ("AV-2026-0001", 13_500, 5000),
        ("AV-2026-0002", 13_500, 5000),
    ]
    assert journal.balance(session, ledger.breakage(w.programme_id)) == 0
    for n in notes:
        listed = credit_notes.books(session, n)
        assert sum(v for _, _, v in listed) == breakage and sum(c for _, c, _ in listed) == 27
        text = credit_note_pdf(credit_notes.document(session, n))
        assert text.startswith(b"%PDF")
    with calendar.at(AUGUST):
        assert credit_notes.issue(session, SYSTEM, w.programme_id) == []
    assert ledger_audit.verify(session).ok


def test_value_reaching_breakage_after_the_first_notes_is_returned_by_the_next_run(session):
    w = short_world(session, fraud_thresholds={}, handout_policy="hold")
    held = fw.scan(session, w, fw.paris(2026, 6, 20))
    with calendar.at(AUGUST):
        expiry.expire_programme(session, SYSTEM, w.programme_id)
        first = credit_notes.issue(session, SYSTEM, w.programme_id)
    assert sum(n.amount_cents for n in first) == 29_000
    reviewer = fw.person(session, w.w.funder_a.id, "funder")
    hold_id = session.scalar(select(Hold.id).where(Hold.redemption_id == held.redemption_id))
    with calendar.at(fw.paris(2026, 8, 10)):
        holds.reject(session, reviewer, hold_id, "chèque jamais remis")
    with calendar.at(fw.paris(2026, 8, 12)):
        second = credit_notes.issue(session, SYSTEM, w.programme_id)
    assert [n.amount_cents for n in second] == [500, 500]
    assert [sum(v for _, _, v in credit_notes.books(session, n)) for n in second] == [1000, 1000]
    assert ledger_audit.verify(session).ok


def test_a_funders_accountant_cannot_issue_credit_notes_for_another_funder(session):
    w = short_world(session)
    with calendar.at(AUGUST):
        expiry.expire_programme(session, SYSTEM, w.programme_id)
    stranger = fw.person(session, f.funder(session, "Autre fondation").id)
    with calendar.at(AUGUST), pytest.raises(DomainError) as refused:
        credit_notes.issue(session, stranger, w.programme_id)
    assert refused.value.code == "not_found"
