"""The CII XML (UN/CEFACT Cross Industry Invoice D16B) of a Factur-X invoice or credit note,
profile **EN 16931** (docs/finance.md says why).

Rules kept:

* the seller is the operator, the buyer the funder, both identified by their SIRET
  (``schemeID 0009``, what Chorus Pro reads) when they have one, with a postal address; the
  buyer's service code (BT-10) and purchase order (BT-13) are written when it gave them;
* every line and the header carry VAT category ``O`` (« not subject to VAT ») with the
  exemption reason and code ``VATEX-EU-O``, no rate and 0,00 of tax; the seller's VAT number
  is never written (rule BR-O-02 of EN 16931);
* amounts come from integer cents, written with two decimals; the sum of the lines equals
  the header's totals, and the amount due is the total (nothing prepaid on the document);
* an invoice (``380``) is paid by credit transfer (``58``) to the operator's IBAN, with the
  invoice number as the payment reference; a credit note (``381``) names the invoices it
  relates to when there are some.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from lxml import etree

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
EN16931 = "urn:cen.eu:en16931:2017"
INVOICE, CREDIT_NOTE = "380", "381"
VAT_EXEMPTION_CODE = "VATEX-EU-O"


@dataclass(frozen=True)
class Party:
    name: str
    siret: str = ""
    street: str = ""
    postcode: str = ""
    town: str = ""
    country: str = "FR"


@dataclass(frozen=True)
class Line:
    name: str
    quantity: int
    unit_cents: int

    @property
    def total_cents(self) -> int:
        return self.quantity * self.unit_cents


@dataclass(frozen=True)
class Invoice:
    number: str
    type_code: str  # 380 invoice, 381 credit note
    issued_on: date
    seller: Party
    buyer: Party
    lines: list[Line]
    vat_reason: str
    notes: list[str] = field(default_factory=list)
    iban: str = ""  # where the buyer pays (invoices)
    payment_terms: str = ""
    order_reference: str = ""  # our order: the batch (BT-14, seller's order reference)
    buyer_reference: str = ""  # the buyer's service code (BT-10)
    buyer_order: str = ""  # the buyer's purchase order, « engagement juridique » (BT-13)
    preceding: list[str] = field(default_factory=list)  # invoices a credit note relates to

    @property
    def total_cents(self) -> int:
        return sum(line.total_cents for line in self.lines)


def _amount(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


def _el(parent: etree._Element, ns: str, tag: str, text: str | None = None, **attrs: str):
    node = etree.SubElement(parent, f"{{{ns}}}{tag}", attrs)
    if text is not None:
        node.text = text
    return node


def _date(parent: etree._Element, tag: str, day: date) -> None:
    holder = _el(parent, RAM, tag)
    _el(holder, UDT, "DateTimeString", day.strftime("%Y%m%d"), format="102")


def _party(parent: etree._Element, tag: str, party: Party) -> None:
    node = _el(parent, RAM, tag)
    _el(node, RAM, "Name", party.name)
    if party.siret:
        legal = _el(node, RAM, "SpecifiedLegalOrganization")
        _el(legal, RAM, "ID", party.siret, schemeID="0009")
    address = _el(node, RAM, "PostalTradeAddress")
    if party.postcode:
        _el(address, RAM, "PostcodeCode", party.postcode)
    if party.street:
        _el(address, RAM, "LineOne", party.street)
    if party.town:
        _el(address, RAM, "CityName", party.town)
    _el(address, RAM, "CountryID", party.country or "FR")


def _tax(parent: etree._Element, invoice: Invoice, basis: int | None) -> None:
    tax = _el(parent, RAM, "ApplicableTradeTax")
    if basis is not None:
        _el(tax, RAM, "CalculatedAmount", "0.00")
    _el(tax, RAM, "TypeCode", "VAT")
    if basis is not None:
        _el(tax, RAM, "ExemptionReason", invoice.vat_reason)
        _el(tax, RAM, "BasisAmount", _amount(basis))
    _el(tax, RAM, "CategoryCode", "O")
    if basis is not None:
        _el(tax, RAM, "ExemptionReasonCode", VAT_EXEMPTION_CODE)


def cii_xml(invoice: Invoice) -> bytes:
    root = etree.Element(
        f"{{{RSM}}}CrossIndustryInvoice", nsmap={"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT}
    )
    context = _el(root, RSM, "ExchangedDocumentContext")
    _el(_el(context, RAM, "GuidelineSpecifiedDocumentContextParameter"), RAM, "ID", EN16931)
    doc = _el(root, RSM, "ExchangedDocument")
    _el(doc, RAM, "ID", invoice.number)
    _el(doc, RAM, "TypeCode", invoice.type_code)
    issue = _el(doc, RAM, "IssueDateTime")
    _el(issue, UDT, "DateTimeString", invoice.issued_on.strftime("%Y%m%d"), format="102")
    for text in [invoice.vat_reason, *invoice.notes]:
        _el(_el(doc, RAM, "IncludedNote"), RAM, "Content", text)
    trade = _el(root, RSM, "SupplyChainTradeTransaction")
    for n, line in enumerate(invoice.lines, start=1):
        item = _el(trade, RAM, "IncludedSupplyChainTradeLineItem")
        _el(_el(item, RAM, "AssociatedDocumentLineDocument"), RAM, "LineID", str(n))
        _el(_el(item, RAM, "SpecifiedTradeProduct"), RAM, "Name", line.name)
        price = _el(_el(item, RAM, "SpecifiedLineTradeAgreement"), RAM, "NetPriceProductTradePrice")
        _el(price, RAM, "ChargeAmount", _amount(line.unit_cents))
        delivery = _el(item, RAM, "SpecifiedLineTradeDelivery")
        _el(delivery, RAM, "BilledQuantity", str(line.quantity), unitCode="C62")
        settlement = _el(item, RAM, "SpecifiedLineTradeSettlement")
        _tax(settlement, invoice, None)
        summation = _el(settlement, RAM, "SpecifiedTradeSettlementLineMonetarySummation")
        _el(summation, RAM, "LineTotalAmount", _amount(line.total_cents))
    agreement = _el(trade, RAM, "ApplicableHeaderTradeAgreement")
    if invoice.buyer_reference:
        _el(agreement, RAM, "BuyerReference", invoice.buyer_reference)
    _party(agreement, "SellerTradeParty", invoice.seller)
    _party(agreement, "BuyerTradeParty", invoice.buyer)
    if invoice.order_reference:
        ref = _el(agreement, RAM, "SellerOrderReferencedDocument")
        _el(ref, RAM, "IssuerAssignedID", invoice.order_reference)
    if invoice.buyer_order:
        ref = _el(agreement, RAM, "BuyerOrderReferencedDocument")
        _el(ref, RAM, "IssuerAssignedID", invoice.buyer_order)
    _el(trade, RAM, "ApplicableHeaderTradeDelivery")
    settle = _el(trade, RAM, "ApplicableHeaderTradeSettlement")
    if invoice.type_code == INVOICE:
        _el(settle, RAM, "PaymentReference", invoice.number)
    _el(settle, RAM, "InvoiceCurrencyCode", "EUR")
    if invoice.iban:
        means = _el(settle, RAM, "SpecifiedTradeSettlementPaymentMeans")
        _el(means, RAM, "TypeCode", "58")
        account = _el(means, RAM, "PayeePartyCreditorFinancialAccount")
        _el(account, RAM, "IBANID", invoice.iban)
    _tax(settle, invoice, invoice.total_cents)
    if invoice.payment_terms:
        terms = _el(settle, RAM, "SpecifiedTradePaymentTerms")
        _el(terms, RAM, "Description", invoice.payment_terms)
    total = _amount(invoice.total_cents)
    sums = _el(settle, RAM, "SpecifiedTradeSettlementHeaderMonetarySummation")
    _el(sums, RAM, "LineTotalAmount", total)
    _el(sums, RAM, "TaxBasisTotalAmount", total)
    _el(sums, RAM, "TaxTotalAmount", "0.00", currencyID="EUR")
    _el(sums, RAM, "GrandTotalAmount", total)
    _el(sums, RAM, "DuePayableAmount", total)
    for number in invoice.preceding:
        _el(_el(settle, RAM, "InvoiceReferencedDocument"), RAM, "IssuerAssignedID", number)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
