"""The adversary of funders' documents: names full of XML metacharacters, shares that do
not divide the order evenly, a funder paying another funder's invoice or more than is due.
Each time the Factur-X file must still validate and the invoices add up to the cent."""

from __future__ import annotations

from datetime import date

import pytest
from lxml import etree

from tests import factories as f
from tests.services.finance.test_funder_documents import NS, check_facturx
from voucher.domain.errors import DomainError
from voucher.services.context import SYSTEM
from voucher.services.finance import funder_files, funder_invoices, ledger_audit
from voucher.services.issuance import batches, funds


def test_uneven_shares_and_hostile_names_still_give_valid_invoices_that_add_up(session):
    names = ['Fonds "A" & <Cie>', "Région ]]> d'Œ", "Ville ; DROP TABLE"]
    funders = [f.funder(session, n) for n in names]
    prog = f.programme(
        session,
        list(zip(funders, (3333, 3333, 3334), strict=True)),
        face_value_cents=1_001,
    )
    batch = batches.issue_batch(
        session, SYSTEM, programme_id=prog.id, prescriber_id=f.prescriber(session).id, books=1
    )
    invoices = funder_invoices.issue(session, SYSTEM, batch.id, "invoice")
    value = batch.books_count * batch.vouchers_per_book * batch.face_value_cents
    assert sum(d.amount_cents for d in invoices) == value  # to the cent, whatever the shares
    for doc in invoices:
        root = check_facturx(funder_files.order_file(session, doc), doc.number)
        lines = root.findall(".//ram:LineTotalAmount", namespaces=NS)
        line_sum = sum(round(float(x.text) * 100) for x in lines[:-1])
        assert line_sum == doc.amount_cents == round(float(lines[-1].text) * 100)
        buyer = root.find(".//ram:BuyerTradeParty/ram:Name", namespaces=NS)
        assert buyer.text in names  # escaped by the XML writer, read back intact
        etree.fromstring(etree.tostring(root))
    for doc in invoices:  # each funder pays its own invoice, exactly
        funds.record_funds_received(
            session,
            SYSTEM,
            programme_id=prog.id,
            funder_id=doc.funder_id,
            amount_cents=doc.amount_cents,
            received_on=date(2026, 1, 5),
            invoice_number=doc.number,
        )
    assert all(r.state_fr == "payée" for r in funder_invoices.rows(session, f_scope()))
    with pytest.raises(DomainError) as twice:  # paid already: one cent more is refused
        funds.record_funds_received(
            session,
            SYSTEM,
            programme_id=prog.id,
            funder_id=invoices[0].funder_id,
            amount_cents=1,
            received_on=date(2026, 1, 5),
            invoice_number=invoices[0].number,
        )
    assert twice.value.code == "invoice_overpaid"
    batches.activate_batch(session, SYSTEM, batch.id)
    assert ledger_audit.verify(session).ok


def f_scope():
    from voucher.services.finance.scope import EVERYTHING

    return EVERYTHING


def test_statements_check_sees_a_gap_in_the_invoices_and_an_invoice_paid_twice(session):
    from sqlalchemy import text

    from voucher.services.finance import statements_check

    w = f.world(session, books=1, activate=False)
    docs = funder_invoices.issue(session, SYSTEM, w.batch.id, "invoice")
    for doc in docs:
        funds.record_funds_received(
            session,
            SYSTEM,
            programme_id=w.programme.id,
            funder_id=doc.funder_id,
            amount_cents=doc.amount_cents,
            received_on=date(2026, 1, 5),
            invoice_number=doc.number,
        )
    assert statements_check.verify(session).ok
    with session.begin_nested() as behind_our_back:  # what the application never does
        session.execute(text("UPDATE funder_document SET seq = 7 WHERE id = :i"), {"i": docs[0].id})
        session.execute(
            text("UPDATE funds_received SET amount_cents = amount_cents * 2 WHERE invoice_id = :i"),
            {"i": docs[1].id},
        )
        found = {p.check for p in statements_check.verify(session).problems}
        assert {"invoice_numbering", "invoice_overpaid"} <= found
        behind_our_back.rollback()
    assert statements_check.verify(session).ok
