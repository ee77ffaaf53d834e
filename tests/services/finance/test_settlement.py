"""Bank settlement from camt.053/054: paid lines move the money to the bank and reimburse
exactly the statement's vouchers, rejected lines put it back to payable and are reported,
unknown lines are listed, and the same file never settles twice."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.documents import camt_files as cf
from tests.services.finance import finance_world as fw
from tests.services.finance.test_payments import closed_march, run
from voucher.db.models import BankImport, PaymentTransfer, Redemption, Statement, Voucher
from voucher.domain import calendar, ledger
from voucher.domain.errors import DomainError
from voucher.services.context import SYSTEM
from voucher.services.finance import journal, ledger_audit, settlement

JULY = fw.paris(2026, 7, 1)


def sent(session, structures: int = 3) -> list[PaymentTransfer]:
    closed_march(session, structures)
    run(session)
    return list(session.scalars(select(PaymentTransfer).order_by(PaymentTransfer.id)))


def settle(session, data: bytes, name: str = "releve.xml"):
    with calendar.at(JULY):
        imp = settlement.import_file(session, SYSTEM, data, name)
        return imp, settlement.apply_import(session, SYSTEM, imp.id)


def vouchers_of(session, transfer: PaymentTransfer) -> set[str]:
    return set(
        session.scalars(
            select(Voucher.state)
            .join(Redemption, Redemption.voucher_id == Voucher.id)
            .where(Redemption.statement_id == transfer.statement_id)
        )
    )


def test_a_statement_with_paid_rejected_and_unknown_lines_settles_exactly_as_expected(session):
    paid, rejected, untouched = sent(session)
    bank_before = journal.balance(session, ledger.bank())
    data = cf.camt053(
        [
            cf.Line(paid.amount_cents, e2e=paid.end_to_end_id, iban=paid.iban),
            cf.Line(
                rejected.amount_cents,
                direction="CRDT",
                e2e=rejected.end_to_end_id,
                iban=rejected.iban,
                return_reason="AC04",
            ),
            cf.Line(4321, direction="CRDT", info="VERSEMENT FONDATION"),
            cf.Line(999, e2e="REL-1999-000001-1", iban=paid.iban),
        ]
    )
    imp, done = settle(session, data)
    assert [row["outcome"] for row in imp.lines] == ["paid", "rejected", "unmatched", "unmatched"]
    assert done.paid == [session.get(Statement, paid.statement_id).number]
    assert done.rejected == [
        (session.get(Statement, rejected.statement_id).number, "compte clôturé (AC04)")
    ]
    assert len(done.unmatched) == 2
    for t in (paid, rejected, untouched):
        session.refresh(t)
    assert (paid.status, rejected.status, untouched.status) == ("paid", "rejected", "sent")
    assert session.get(Statement, paid.statement_id).status == "paid"
    assert session.get(Statement, rejected.statement_id).status == "rejected"
    assert vouchers_of(session, paid) == {"reimbursed"} and vouchers_of(session, rejected) == {
        "redeemed"
    }
    assert journal.balance(session, ledger.bank()) == bank_before - paid.amount_cents
    s_rej = session.get(Statement, rejected.statement_id).structure_id
    assert journal.balance(session, ledger.payable(s_rej)) == -rejected.amount_cents
    assert journal.balance(session, ledger.in_payment(s_rej)) == 0
    assert ledger_audit.verify(session).ok


def test_a_rejected_transfer_is_paid_again_by_the_next_run_with_a_new_end_to_end_id(session):
    transfers = sent(session, structures=1)
    t = transfers[0]
    settle(
        session,
        cf.camt053(
            [cf.Line(t.amount_cents, "CRDT", t.end_to_end_id, t.iban, return_reason="MS03")]
        ),
    )
    again = run(session)
    retry = session.scalars(
        select(PaymentTransfer).where(PaymentTransfer.run_id == again.run_id)
    ).one()
    assert retry.statement_id == t.statement_id and retry.attempt == 2
    assert retry.end_to_end_id.endswith("-2") and retry.end_to_end_id != t.end_to_end_id
    assert ledger_audit.verify(session).ok


def test_lines_without_end_to_end_id_match_on_amount_iban_and_date(session):
    a, b = sent(session, structures=2)
    imp, done = settle(
        session, cf.camt053([cf.Line(b.amount_cents, iban=b.iban, booked=date(2026, 6, 5))])
    )
    assert imp.lines[0]["matched_by"] == "amount_iban_date" and imp.lines[0]["transfer_id"] == b.id
    too_late = cf.camt053([cf.Line(a.amount_cents, iban=a.iban, booked=date(2026, 9, 30))])
    imp2, _ = settle(session, too_late, "tard.xml")
    assert imp2.lines[0]["outcome"] == "unmatched"
    assert ledger_audit.verify(session).ok


def test_a_batch_debit_settles_every_transfer_of_the_run(session):
    transfers = sent(session, structures=3)
    data = cf.batch_debit([(t.amount_cents, t.end_to_end_id, t.iban) for t in transfers])
    _, done = settle(session, data)
    assert len(done.paid) == 3
    assert {session.get(Statement, t.statement_id).status for t in transfers} == {"paid"}
    assert ledger_audit.verify(session).ok


def test_a_camt054_notification_is_read_the_same_way(session):
    (t,) = sent(session, structures=1)
    _, done = settle(
        session, cf.camt054([cf.Line(t.amount_cents, e2e=t.end_to_end_id, iban=t.iban)])
    )
    assert len(done.paid) == 1


def test_the_same_file_is_recorded_once_and_applied_once(session):
    (t,) = sent(session, structures=1)
    data = cf.camt053([cf.Line(t.amount_cents, e2e=t.end_to_end_id, iban=t.iban)])
    first, _ = settle(session, data)
    with calendar.at(JULY):
        again = settlement.import_file(session, SYSTEM, data, "encore.xml")
        assert again.id == first.id
        with pytest.raises(DomainError) as refused:
            settlement.apply_import(session, SYSTEM, first.id)
    assert refused.value.code == "import_already_applied"
    other = cf.camt053([cf.Line(t.amount_cents, e2e=t.end_to_end_id, iban=t.iban, info="copie")])
    imp, done = settle(session, other, "copie.xml")
    assert imp.lines[0]["outcome"] == "already_settled" and done.paid == []
    assert session.scalar(select(func.count()).select_from(BankImport)) == 2
    assert ledger_audit.verify(session).ok


def test_a_transfer_returned_after_payment_goes_back_to_payable_and_its_vouchers_to_redeemed(
    session,
):
    (t,) = sent(session, structures=1)
    settle(session, cf.camt053([cf.Line(t.amount_cents, e2e=t.end_to_end_id, iban=t.iban)]))
    _, done = settle(
        session,
        cf.camt053(
            [
                cf.Line(
                    t.amount_cents,
                    "CRDT",
                    t.end_to_end_id,
                    t.iban,
                    return_reason="MD07",
                    booked=date(2026, 6, 20),
                )
            ]
        ),
        "retour.xml",
    )
    session.refresh(t)
    assert t.status == "returned" and done.returned[0][1] == "titulaire décédé (MD07)"
    assert vouchers_of(session, t) == {"redeemed"}
    structure = session.get(Statement, t.statement_id).structure_id
    assert journal.balance(session, ledger.payable(structure)) == -t.amount_cents
    assert ledger_audit.verify(session).ok


def test_a_person_can_confirm_a_transfer_by_hand_once(session):
    a, b = sent(session, structures=2)
    with calendar.at(JULY):
        settlement.confirm(session, SYSTEM, a.id, "paid")
        settlement.confirm(session, SYSTEM, b.id, "rejected", reason="IBAN refusé au téléphone")
        with pytest.raises(DomainError) as twice:
            settlement.confirm(session, SYSTEM, a.id, "rejected")
    assert twice.value.code == "transfer_already_settled"
    assert vouchers_of(session, a) == {"reimbursed"} and b.reason == "IBAN refusé au téléphone"
    assert ledger_audit.verify(session).ok


@pytest.mark.parametrize(
    "data, code",
    [
        (b"", "bank_file_empty"),
        (
            b"<?xml version='1.0'?><!DOCTYPE d [<!ENTITY a 'aaaa'><!ENTITY b '&a;&a;&a;&a;'>]><d>&b;</d>",
            "bank_file_unsafe",
        ),
        (
            b"<?xml version='1.0'?><!DOCTYPE d [<!ENTITY x SYSTEM 'file:///etc/passwd'>]><d>&x;</d>",
            "bank_file_unsafe",
        ),
        (
            b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:pain.001.001.03'/>",
            "bank_file_not_camt",
        ),
        (
            b"<?xml version='1.0' encoding='UTF-8'?><Document>\xe9t\xe9</Document>",
            "bank_file_malformed",
        ),
    ],
)
def test_a_hostile_or_broken_bank_file_is_refused_and_changes_nothing(session, data, code):
    (t,) = sent(session, structures=1)
    with calendar.at(JULY), pytest.raises(DomainError) as refused:
        settlement.import_file(session, SYSTEM, data, "mauvais.xml")
    assert refused.value.code == code
    assert session.scalar(select(func.count()).select_from(BankImport)) == 0
    session.refresh(t)
    assert t.status == "sent"


def test_the_finance_check_passes_after_settlement_and_names_a_tampered_statement(session):
    from sqlalchemy import text

    from voucher.services.finance import statements_check

    a, b = sent(session, structures=2)
    settle(session, cf.camt053([cf.Line(a.amount_cents, e2e=a.end_to_end_id, iban=a.iban)]))
    assert statements_check.verify(session).ok
    session.execute(
        text("UPDATE statement SET total_cents = total_cents + 1 WHERE id = :i"),
        {"i": b.statement_id},
    )
    problems = statements_check.verify(session).problems
    number = session.get(Statement, b.statement_id).number
    assert {p.check for p in problems} == {"statement_total", "transfer_amount"}
    assert any(number in p.message for p in problems)
