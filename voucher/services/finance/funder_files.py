"""The files of funders' documents: invoices and credit notes as **Factur-X** (PDF/A-3 with
the CII XML of profile EN 16931 embedded), quotes and periodic statements as plain PDF/A-3
(Factur-X covers invoices and credit notes only), the statement also as XLSX.
See docs/finance.md, "Documents des financeurs"."""

from __future__ import annotations

import dataclasses
from datetime import datetime

from sqlalchemy.orm import Session

from voucher.db.models import CreditNote, FunderDocument, Organisation, Programme
from voucher.documents import facturx_xml as fx
from voucher.documents import funder_pdf, pdfa
from voucher.documents.statement_pdf import credit_note_pdf
from voucher.domain.calendar import PARIS
from voucher.domain.funder_documents import KINDS, VAT_MENTION, VAT_REASON
from voucher.services.finance import credit_notes, settings
from voucher.services.finance.funder_statement import FunderStatement
from voucher.services.finance.statements import issuer

TERMS = "Paiement à réception, par virement ; pas d'escompte pour paiement anticipé."


def _party(org: Organisation) -> fx.Party:
    street = f"{org.street_number or ''} {org.street or ''}".strip()
    return fx.Party(
        org.name, org.siret or "", street, org.postcode or "", org.town or "", org.country or "FR"
    )


def seller(session: Session) -> fx.Party:
    """The operator organisation, else the configured debtor of the payment runs."""
    from sqlalchemy import select

    org = session.scalars(
        select(Organisation).where(Organisation.is_operator.is_(True)).order_by(Organisation.id)
    ).first()
    if org is not None:
        return _party(org)
    who = settings.debtor()
    return fx.Party(
        who.name, "", f"{who.building} {who.street}".strip(), who.postcode, who.town, who.country
    )


def _address(org: Organisation) -> list[str]:
    lines = [
        f"{org.street_number or ''} {org.street or ''}".strip(),
        f"{org.postcode or ''} {org.town or ''}".strip(),
    ]
    return [a for a in lines if a]


def order_file(session: Session, doc: FunderDocument) -> bytes:
    funder = session.get(Organisation, doc.funder_id)
    programme = session.get(Programme, doc.programme_id)
    assert funder is not None and programme is not None
    created: datetime = doc.created_at
    iban = settings.debtor().iban
    title = KINDS[doc.kind][2].capitalize()
    batch_label = f"lot n° {doc.batch_id}"
    drawn = funder_pdf.order_pdf(
        funder_pdf.OrderDoc(
            title=title,
            number=doc.number,
            issued_on=created.astimezone(PARIS).date(),
            issuer=issuer(session),
            funder_name=funder.name,
            funder_siret=funder.siret or "",
            funder_address=_address(funder),
            programme_name=programme.name,
            batch_label=batch_label,
            vouchers=doc.vouchers,
            face_value_cents=doc.face_value_cents,
            batch_value_cents=doc.batch_value_cents,
            share_bp=doc.share_bp,
            amount_cents=doc.amount_cents,
            iban=iban if doc.kind == "invoice" else "",
            terms=TERMS
            if doc.kind == "invoice"
            else "Devis valable jusqu'à l'émission de la facture.",
        )
    )
    if doc.kind != "invoice":
        return pdfa.pdfa3(drawn, f"{title} {doc.number}", created)
    xml = invoice_xml(session, doc)
    return pdfa.facturx(
        drawn, xml, f"Facture {doc.number}", f"Facture {doc.number} — {funder.name}", created
    )


def invoice_xml(session: Session, doc: FunderDocument) -> bytes:
    funder = session.get(Organisation, doc.funder_id)
    programme = session.get(Programme, doc.programme_id)
    assert funder is not None and programme is not None
    # the funder's share as lines that add up exactly: n vouchers at face value, the rest
    # (a share of one voucher, when the split is not whole) on a line of its own
    whole, rest = divmod(doc.amount_cents, doc.face_value_cents)
    name = f"Chèques pass numériques — {programme.name} — lot n° {doc.batch_id}"
    lines = [fx.Line(name, whole, doc.face_value_cents)] if whole else []
    if rest:
        lines.append(fx.Line(f"{name} (reste de la quote-part)", 1, rest))
    return fx.cii_xml(
        fx.Invoice(
            number=doc.number,
            type_code=fx.INVOICE,
            issued_on=doc.created_at.astimezone(PARIS).date(),
            seller=seller(session),
            buyer=_party(funder),
            lines=lines,
            vat_reason=VAT_REASON,
            notes=[VAT_MENTION],
            iban=settings.debtor().iban,
            payment_terms=TERMS,
            order_reference=f"LOT-{doc.batch_id}",
            buyer_reference=doc.buyer_reference or "",
            buyer_order=doc.buyer_order or "",
        )
    )


def credit_note_xml(session: Session, note: CreditNote) -> bytes:
    funder = session.get(Organisation, note.funder_id)
    programme = session.get(Programme, note.programme_id)
    assert funder is not None and programme is not None
    return fx.cii_xml(
        fx.Invoice(
            number=note.number,
            type_code=fx.CREDIT_NOTE,
            issued_on=note.created_at.astimezone(PARIS).date(),
            seller=seller(session),
            buyer=_party(funder),
            lines=[fx.Line(f"Valeur non utilisée rendue — {programme.name}", 1, note.amount_cents)],
            vat_reason=VAT_REASON,
            notes=[VAT_MENTION],
        )
    )


def credit_note_file(session: Session, note: CreditNote) -> bytes:
    """The credit note's PDF (its layout is :func:`credit_note_pdf`) with the VAT mention,
    as Factur-X."""
    lines = issuer(session)
    siret = [x for x in lines[1:2] if x.startswith("SIRET")]
    base = credit_notes.document(session, note, " — ".join(lines[:1] + siret))
    drawn = credit_note_pdf(dataclasses.replace(base, notes=[*base.notes, VAT_MENTION]))
    funder = session.get(Organisation, note.funder_id)
    assert funder is not None
    xml = credit_note_xml(session, note)
    return pdfa.facturx(
        drawn, xml, f"Avoir {note.number}", f"Avoir {note.number} — {funder.name}", note.created_at
    )


def statement_file(st: FunderStatement, at: datetime) -> bytes:
    return pdfa.pdfa3(funder_pdf.statement_pdf(st), f"Relevé financeur {st.funder_name}", at)


def statement_xlsx(st: FunderStatement) -> bytes:
    return funder_pdf.statement_xlsx(st)
