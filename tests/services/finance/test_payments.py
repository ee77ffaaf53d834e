"""Payment runs: one validated SEPA file per run, one transfer per statement, the journal
moved from payable to in payment, nothing new on a second run, and the second-approval
rule when a structure's IBAN changed recently."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import date

import pytest
from sqlalchemy import func, select

from tests import factories as f
from tests.services.finance import finance_world as fw
from voucher.db.models import PaymentRun, PaymentTransfer, Statement
from voucher.documents import sepa
from voucher.domain import calendar, ledger
from voucher.domain.errors import DomainError
from voucher.domain.finance import Period
from voucher.services.context import SYSTEM
from voucher.services.finance import close, journal, ledger_audit, payments

DEBTOR = sepa.Party(
    name="Opérateur du registre (démo)",
    iban="FR7630006000011234567890189",
    bic="AGRIFRPP",
    street="place de la Mairie",
    building="1",
    postcode="86000",
    town="Poitiers",
)
JUNE = fw.paris(2026, 6, 2)


def closed_march(session, structures: int = 2) -> fw.FinanceWorld:
    w = fw.world(session, structures=structures)
    for i in range(structures):
        fw.scan(session, w, fw.paris(2026, 3, 3 + i), structure=i)
        fw.scan(session, w, fw.paris(2026, 3, 10 + i), structure=i)
    with calendar.at(fw.paris(2026, 4, 2)):
        close.close_month(session, SYSTEM, Period(2026, 3))
    return w


def run(session, version: str = "pain.001.001.09", actor=SYSTEM):
    with calendar.at(JUNE):
        return payments.create_run(
            session, actor, debtor=DEBTOR, version=version, execution_date=date(2026, 6, 3)
        )


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def transactions(xml: bytes) -> list[dict[str, str]]:
    out = []
    for tx in (e for e in ET.fromstring(xml).iter() if local(e.tag) == "CdtTrfTxInf"):
        fields = {local(e.tag): (e.text or "").strip() for e in tx.iter()}
        out.append(fields)
    return out


@pytest.mark.parametrize("version", ["pain.001.001.03", "pain.001.001.09"])
def test_a_run_pays_each_statement_once_in_a_file_valid_against_the_official_xsd(session, version):
    w = closed_march(session)
    result = run(session, version)
    stored = session.get(PaymentRun, result.run_id)
    assert sepa.validate(stored.file, version) == []
    assert f"urn:iso:std:iso:20022:tech:xsd:{version}".encode() in stored.file
    txs = transactions(stored.file)
    statements = {s.number: s for s in session.scalars(select(Statement))}
    assert len(txs) == len(statements) == 2
    for tx in txs:
        number = tx["Ustrd"].split()[1]
        st = statements[number]
        assert tx["EndToEndId"] == f"REL-{number}-1"
        assert tx["InstdAmt"] == f"{st.total_cents // 100}.{st.total_cents % 100:02d}"
        assert (
            tx["StrtNm"] == "rue de la Republique"
            and tx["TwnNm"] == "Poitiers"
            and tx["Ctry"] == "FR"
        )
        assert tx["PstCd"] == "86000" and tx["BldgNb"] == "12"
        iban = session.scalar(
            select(PaymentTransfer.iban).where(PaymentTransfer.statement_id == st.id)
        )
        assert tx["IBAN"] == iban
    assert len({tx["EndToEndId"] for tx in txs}) == 2
    for place in w.structures:
        assert journal.balance(session, ledger.payable(place.id)) == 0
        assert journal.balance(session, ledger.in_payment(place.id)) == -2000
    assert {s.status for s in statements.values()} == {"in_payment"}
    assert ledger_audit.verify(session).ok


def test_running_again_produces_nothing_new(session):
    closed_march(session)
    first = run(session)
    again = run(session)
    assert first.run_id is not None and again.run_id is None and again.included == []
    assert session.scalar(select(func.count()).select_from(PaymentTransfer)) == 2
    assert ledger_audit.verify(session).ok


def test_an_unsupported_pain_version_is_refused_before_anything_is_written(session):
    closed_march(session)
    with pytest.raises(DomainError) as refused:
        run(session, "pain.001.001.02")
    assert refused.value.code == "invalid_sepa_version"
    assert session.scalar(select(func.count()).select_from(PaymentRun)) == 0


def test_a_bad_debtor_iban_gives_no_file_and_changes_nothing(session):
    closed_march(session)
    broken = sepa.Party(**{**DEBTOR.__dict__, "iban": "FR76-not-an-iban"})
    with calendar.at(JUNE), pytest.raises(DomainError) as refused:
        payments.create_run(session, SYSTEM, debtor=broken, version="pain.001.001.03")
    assert refused.value.code == "sepa_invalid"
    assert session.scalar(select(func.count()).select_from(PaymentTransfer)) == 0
    assert {s.status for s in session.scalars(select(Statement))} == {"open"}


def test_a_recent_iban_change_needs_two_different_approvers_before_payment(session):
    w = closed_march(session)
    changed = w.structures[1]
    with calendar.at(fw.paris(2026, 5, 20)):
        fw.bank(session, changed)  # new IBAN, validated: the old one is replaced
    operator = fw.operator(session)
    first, second = fw.person(session, operator), fw.person(session, operator)
    result = run(session)
    assert [p.structure_id for p in result.included] == [w.structures[0].id]
    assert [(p.structure_id, p.withheld) for p in result.withheld] == [
        (changed.id, "second_approval_needed")
    ]
    assert "deux personnes" in result.withheld[0].withheld_fr
    waiting = result.withheld[0].statement_id
    with calendar.at(JUNE):
        assert payments.approve(session, first, waiting) == 1
        with pytest.raises(DomainError) as twice:
            payments.approve(session, first, waiting)
        assert twice.value.code == "second_approval_same_person"
    assert run(session).run_id is None  # one approval is not enough
    with calendar.at(JUNE):
        assert payments.approve(session, second, waiting) == 2
    paid = run(session)
    assert [p.statement_id for p in paid.included] == [waiting]
    transfer = session.scalars(
        select(PaymentTransfer).where(PaymentTransfer.statement_id == waiting)
    ).one()
    assert (
        transfer.iban.startswith("FR76")
        and transfer.iban
        != session.scalars(
            select(PaymentTransfer.iban).where(PaymentTransfer.statement_id != waiting)
        ).first()
    )
    assert ledger_audit.verify(session).ok


def test_approving_a_payment_that_needs_no_second_approval_is_refused(session):
    closed_march(session)
    someone = fw.person(session, fw.operator(session))
    statement_id = session.scalar(select(Statement.id).limit(1))
    with calendar.at(JUNE), pytest.raises(DomainError) as refused:
        payments.approve(session, someone, statement_id)
    assert refused.value.code == "approval_not_needed"


def test_a_funders_accountant_does_not_see_or_pay_other_funders_statements(session):
    closed_march(session, structures=1)
    stranger = fw.person(session, f.funder(session, "Autre fondation").id)
    assert payments.ready(session, payments.finance_scope(session, stranger)) == []
    assert run(session, actor=stranger).run_id is None
    assert session.scalar(select(func.count()).select_from(PaymentTransfer)) == 0
