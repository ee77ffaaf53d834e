"""The bank's answer, tried the way a French bank sends it: the same line reported in the
intraday camt.054 and again in the end-of-day camt.053, twice in one file, with or without
the same bank reference. A structure is never paid twice: a repeat changes nothing, a known
EndToEndId never falls back to amount matching, and a settled transfer is never reopened by
an amount match."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest
from sqlalchemy import func, select

from tests import factories as f
from tests.documents import camt_files as cf
from tests.services.finance import finance_world as fw
from tests.services.finance.test_payments import DEBTOR
from voucher.db.models import BankImport, BankMovement, JournalEntry, PaymentTransfer, Statement
from voucher.domain import calendar, ledger
from voucher.domain.errors import DomainError
from voucher.domain.finance import Period
from voucher.services.access.programme_scope import Scope
from voucher.services.context import SYSTEM
from voucher.services.finance import (
    close,
    journal,
    ledger_audit,
    payments,
    settlement,
    statements,
    statements_check,
)
from voucher.services.organisations import bank_details

JULY = fw.paris(2026, 7, 2)
ALL = Scope(everything=True)


def settle(session, data: bytes, name: str):
    with calendar.at(fw.paris(2026, 7, 20)):
        imp = settlement.import_file(session, SYSTEM, data, name)
        return imp, settlement.apply_import(session, SYSTEM, imp.id)


def pay_run(session, when, execution: date) -> list[PaymentTransfer]:
    with calendar.at(when):
        result = payments.create_run(
            session, SYSTEM, debtor=DEBTOR, version="pain.001.001.09", execution_date=execution
        )
    return list(
        session.scalars(select(PaymentTransfer).where(PaymentTransfer.run_id == result.run_id))
    )


def paid_then_resent(session) -> tuple[PaymentTransfer, PaymentTransfer]:
    """March's statement paid (T0); April's, of the same amount to the same IBAN, sent (T1)."""
    w = fw.world(session, structures=1)
    for day in (3, 10):
        fw.scan(session, w, fw.paris(2026, 3, day))
        fw.scan(session, w, fw.paris(2026, 4, day))
    with calendar.at(fw.paris(2026, 4, 2)):
        close.close_month(session, SYSTEM, Period(2026, 3))
    (t0,) = pay_run(session, fw.paris(2026, 6, 2), date(2026, 6, 3))
    settle(
        session,
        cf.camt053([cf.Line(t0.amount_cents, e2e=t0.end_to_end_id, iban=t0.iban)]),
        "juin.xml",
    )
    with calendar.at(JULY):
        close.close_month(session, SYSTEM, Period(2026, 4))
    (t1,) = pay_run(session, JULY, date(2026, 7, 3))
    assert (t1.amount_cents, t1.iban) == (t0.amount_cents, t0.iban)
    return t0, t1


def books(session) -> tuple[int, int, list[tuple[str, str]]]:
    return (
        int(session.scalar(select(func.count()).select_from(JournalEntry)) or 0),
        journal.balance(session, ledger.bank()),
        sorted(
            (str(n), str(s)) for n, s in session.execute(select(Statement.number, Statement.status))
        ),
    )


def return_of(t: PaymentTransfer, reason: str = "MS03") -> cf.Line:
    return cf.Line(
        t.amount_cents,
        "CRDT",
        t.end_to_end_id,
        t.iban,
        booked=date(2026, 7, 6),
        return_reason=reason,
    )


def test_a_return_reported_in_the_camt054_then_again_in_the_camt053_changes_nothing(session):
    t0, t1 = paid_then_resent(session)
    _, first = settle(session, cf.camt054([return_of(t1)]), "intraday.xml")
    assert len(first.rejected) == 1
    before = books(session)
    imp, again = settle(session, cf.camt053([return_of(t1)]), "fin-de-journee.xml")
    assert [r["outcome"] for r in imp.lines] == ["repeat"]
    assert (again.paid, again.rejected, again.returned) == ([], [], [])
    assert books(session) == before
    session.refresh(t0)
    assert t0.status == "paid"
    assert ledger_audit.verify(session).ok and statements_check.verify(session).ok


def test_a_repeat_under_a_new_bank_reference_still_never_falls_back_to_the_amount(session):
    t0, t1 = paid_then_resent(session)
    settle(session, cf.camt054([return_of(t1)]), "intraday.xml")
    before = books(session)
    other_ref = replace(return_of(t1), ref="BQ-AUTRE-REF-053")
    imp, again = settle(session, cf.camt053([other_ref]), "fin-de-journee.xml")
    row = imp.lines[0]
    assert (row["outcome"], row["transfer_id"]) == ("already_settled", t1.id)
    assert again.returned == [] and books(session) == before
    session.refresh(t0)
    assert t0.status == "paid"
    # the next payment run does not pay March again
    assert [t.statement_id for t in pay_run(session, fw.paris(2026, 7, 21), date(2026, 7, 22))] == [
        t1.statement_id
    ]
    assert statements_check.verify(session).ok


def test_the_same_line_twice_in_one_file_is_one_line(session):
    t0, t1 = paid_then_resent(session)
    debit = cf.Line(t1.amount_cents, e2e=t1.end_to_end_id, iban=t1.iban, booked=date(2026, 7, 3))
    imp, done = settle(session, cf.camt053([debit, debit]), "double.xml")
    assert [r["outcome"] for r in imp.lines] == ["paid", "repeat"]
    assert len(done.paid) == 1 and len(done.repeats) == 1
    assert session.scalar(select(func.count()).select_from(BankMovement)) == 2  # June's + this
    assert ledger_audit.verify(session).ok and statements_check.verify(session).ok


def test_the_repeat_of_a_paid_line_changes_nothing(session):
    t0, _ = paid_then_resent(session)
    before = books(session)
    paid_line = cf.Line(t0.amount_cents, e2e=t0.end_to_end_id, iban=t0.iban)
    imp, done = settle(session, cf.camt054([paid_line]), "repeat.xml")
    assert [r["outcome"] for r in imp.lines] == ["repeat"] and done.paid == []
    imp, done = settle(session, cf.camt054([replace(paid_line, ref="NEW")]), "repeat2.xml")
    assert [r["outcome"] for r in imp.lines] == ["already_settled"] and done.paid == []
    assert books(session) == before


def test_an_amount_match_never_reopens_a_settled_transfer(session):
    t0, t1 = paid_then_resent(session)
    settle(session, cf.camt054([return_of(t1)]), "intraday.xml")
    before = books(session)
    # a return without EndToEndId, same amount and IBAN as the paid March transfer
    anonymous = cf.Line(
        t0.amount_cents, "CRDT", None, t0.iban, booked=date(2026, 7, 6), return_reason="MS03"
    )
    imp, done = settle(session, cf.camt053([anonymous]), "anonyme.xml")
    assert imp.lines[0]["outcome"] == "unmatched" and done.returned == []
    assert books(session) == before


def test_two_pending_imports_of_the_same_line_apply_once(session):
    _, t1 = paid_then_resent(session)
    debit = cf.Line(t1.amount_cents, e2e=None, iban=t1.iban, booked=date(2026, 7, 3))
    with calendar.at(fw.paris(2026, 7, 20)):
        a = settlement.import_file(session, SYSTEM, cf.camt054([debit]), "a.xml")
        b = settlement.import_file(session, SYSTEM, cf.camt053([debit]), "b.xml")
        assert [r["outcome"] for r in b.lines] == ["paid"]  # proposed: a is not applied yet
        first = settlement.apply_import(session, SYSTEM, a.id)
        second = settlement.apply_import(session, SYSTEM, b.id)
    assert len(first.paid) == 1 and second.paid == [] and len(second.repeats) == 1
    assert ledger_audit.verify(session).ok and statements_check.verify(session).ok


def test_statements_check_sees_a_statement_paid_twice(session):
    """What the old matching did: the repeated return of April's transfer taken for a return
    of March's, March paid again. The books balance; the bank lines say otherwise."""
    t0, t1 = paid_then_resent(session)
    settle(session, cf.camt054([return_of(t1)]), "intraday.xml")
    imp, _ = settle(session, cf.camt053([replace(return_of(t1), ref="OTHER")]), "053.xml")
    bad = session.scalars(select(BankMovement).where(BankMovement.bank_import_id == imp.id)).one()
    bad.transfer_id, bad.outcome = t0.id, "returned"  # what the amount fallback recorded
    session.add(
        BankMovement(
            account_iban=bad.account_iban,
            reference="PAID-AGAIN",
            bank_import_id=imp.id,
            line_index=9,
            direction="DBIT",
            amount_cents=t0.amount_cents,
            transfer_id=t0.id,
            outcome="paid",
            recorded_at=bad.recorded_at,
        )
    )  # and the next run paying March again, the bank debiting it a second time
    session.flush()
    checks = {p.check for p in statements_check.verify(session).problems}
    assert {"bank_line_transfer", "statement_paid_twice"} <= checks


def test_an_ac04_return_blocks_the_next_transfer_until_new_details_are_validated(session):
    t0, t1 = paid_then_resent(session)
    _, done = settle(session, cf.camt054([return_of(t1, "AC04")]), "ac04.xml")
    assert done.rejected[0][1] == "compte clôturé (AC04)"
    structure = session.get(Statement, t1.statement_id).structure_id
    later = fw.paris(2026, 7, 21)
    with calendar.at(later):
        (item,) = payments.ready(session, ALL)
    assert item.withheld == "bank_details_suspended"
    assert "compte clôturé (AC04)" in item.withheld_fr and t1.end_to_end_id in item.withheld_fr
    assert pay_run(session, later, date(2026, 7, 22)) == []  # nothing sent to the closed account
    # new details, entered by one person and validated by another
    with calendar.at(later):
        new = bank_details.set_bank_details(
            session, f.ACTOR, structure, holder_name="Lieu", iban=fw.iban()
        )
        (item,) = payments.ready(session, ALL)
        assert item.withheld == "bank_details_not_validated"
        bank_details.decide_bank_details(session, f.SECOND, new.id, validate=True)
        (item,) = payments.ready(session, ALL)
    assert item.withheld == "second_approval_needed"  # the IBAN just changed: four eyes
    operator = fw.operator(session)
    with calendar.at(later):
        for _ in range(payments.APPROVALS_NEEDED):
            payments.approve(session, fw.person(session, operator), t1.statement_id, scope=ALL)
    (retry,) = pay_run(session, later, date(2026, 7, 22))
    assert retry.iban == new.iban != t1.iban and retry.statement_id == t1.statement_id
    assert ledger_audit.verify(session).ok and statements_check.verify(session).ok


def test_the_statement_names_the_account_paid_and_the_list_the_reason_of_a_rejection(session):
    t0, t1 = paid_then_resent(session)
    settle(session, cf.camt054([return_of(t1, "AC04")]), "ac04.xml")
    (listed,) = [r for r in statements.list_statements(session, ALL) if r.id == t1.statement_id]
    assert listed.status == "rejected" and listed.reason_fr == "compte clôturé (AC04)"
    structure = session.get(Statement, t1.statement_id).structure_id
    later = fw.paris(2026, 7, 21)
    operator = fw.operator(session)
    with calendar.at(later):
        new = bank_details.set_bank_details(
            session, f.ACTOR, structure, holder_name="Lieu", iban=fw.iban()
        )
        bank_details.decide_bank_details(session, f.SECOND, new.id, validate=True)
        for _ in range(payments.APPROVALS_NEEDED):
            payments.approve(session, fw.person(session, operator), t1.statement_id, scope=ALL)
    (retry,) = pay_run(session, later, date(2026, 7, 22))
    st = session.get(Statement, t1.statement_id)
    assert "en attente de la banque" in statements.document(session, st).payment_fr
    paid = cf.Line(retry.amount_cents, e2e=retry.end_to_end_id, iban=retry.iban)
    with calendar.at(fw.paris(2026, 7, 24)):
        imp = settlement.import_file(
            session, SYSTEM, cf.camt053([replace(paid, booked=date(2026, 7, 22))]), "paye.xml"
        )
        settlement.apply_import(session, SYSTEM, imp.id)
    doc = statements.document(session, st)
    assert doc.payment_fr == (
        f"Payé par virement sur le compte se terminant par {new.iban[-4:]}, "
        "débité par la banque le 22/07/2026."
    )
    assert new.iban[-4:] != t1.iban[-4:] and t1.iban[-4:] not in doc.payment_fr
    assert doc.issuer[0] == "Opérateur du registre"  # the operator, not the structure
    assert statements.list_statements(session, ALL)[0].reason_fr == ""  # paid: no reason


def everything(session) -> tuple[int, int, int, list[str]]:
    count = lambda model: int(session.scalar(select(func.count()).select_from(model)) or 0)  # noqa: E731
    return (
        count(BankImport),
        count(BankMovement),
        count(JournalEntry),
        sorted(str(s) for s in session.scalars(select(PaymentTransfer.status))),
    )


def test_a_file_for_another_account_is_refused_and_changes_nothing(session):
    _, t1 = paid_then_resent(session)
    before = everything(session)
    debit = cf.Line(t1.amount_cents, e2e=t1.end_to_end_id, iban=t1.iban, booked=date(2026, 7, 3))
    other = "FR7610107001011234567890129"
    for data in (
        cf.camt053([debit], account=other),
        cf.camt054([debit], account=other),
        cf.batch_debit([(t1.amount_cents, t1.end_to_end_id, t1.iban)], account=other),
        # one statement of ours, one of another account, in the same file
        cf.camt053([debit]).replace(
            b"</Stmt>",
            b"</Stmt><Stmt><Id>S2</Id><Acct><Id><IBAN>"
            + other.encode()
            + b"</IBAN></Id></Acct></Stmt>",
        ),
    ):
        with pytest.raises(DomainError) as refused:
            settle(session, data, "autre-compte.xml")
        assert refused.value.code == "bank_file_other_account"
        assert "autre compte" in refused.value.message
    assert everything(session) == before


@pytest.mark.parametrize(
    "data, code",
    [
        (
            cf.camt053([cf.Line(1000)]).replace(b">10.00<", b">-10.00<"),
            "bank_file_negative_amount",
        ),
        (
            b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'
            b"<BkToCstmrStmt><GrpHdr><MsgId>X</MsgId></GrpHdr></BkToCstmrStmt></Document>",
            "bank_file_no_statement",
        ),
        (cf.camt054([]), "bank_file_no_lines"),
        (cf.camt053([]), "bank_file_no_lines"),
    ],
)
def test_a_broken_bank_file_gets_its_own_message_and_records_nothing(session, data, code):
    before = everything(session)
    with pytest.raises(DomainError) as refused:
        settle(session, data, "casse.xml")
    assert refused.value.code == code and "rien n'a été changé" in refused.value.message
    assert everything(session) == before
