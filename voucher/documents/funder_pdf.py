"""Funders' documents drawn by reportlab (A4, French, DejaVu Sans): the quote and the
invoice of an order of carnets, and the periodic statement of a funder for a programme
(PDF, and the same figures as XLSX). PDF/A-3 and Factur-X are added by
:mod:`voucher.documents.pdfa`; amounts go through :func:`format_eur` only."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, Spacer
from reportlab.platypus.flowables import Flowable

from voucher.documents.statement_pdf import _build, _day, _esc, _issuer, _styles, _table
from voucher.domain.funder_documents import VAT_MENTION
from voucher.domain.money import format_eur


@dataclass(frozen=True)
class OrderDoc:
    title: str  # « Facture » or « Devis »
    number: str
    issued_on: date
    issuer: list[str]
    funder_name: str
    funder_siret: str
    funder_address: list[str]
    programme_name: str
    batch_label: str
    vouchers: int
    face_value_cents: int
    batch_value_cents: int
    share_bp: int
    amount_cents: int
    iban: str
    terms: str


def _share(bp: int) -> str:
    return f"{bp / 100:.2f}".rstrip("0").rstrip(".").replace(".", ",") + " %"


def order_pdf(doc: OrderDoc) -> bytes:
    s = _styles()
    story: list[Flowable] = [
        Paragraph(f"{doc.title} n° {doc.number}", s["title"]),
        Spacer(1, 2 * mm),
        *_issuer(doc.issuer, s),
        Spacer(1, 3 * mm),
        Paragraph(
            f"À l'attention de <b>{_esc(doc.funder_name)}</b>"
            + (f" — SIRET {doc.funder_siret}" if doc.funder_siret else ""),
            s["body"],
        ),
        *[Paragraph(_esc(line), s["body"]) for line in doc.funder_address],
        Spacer(1, 2 * mm),
        Paragraph(
            f"Date : {_day(doc.issued_on)}. Dispositif : {_esc(doc.programme_name)}.", s["body"]
        ),
        Paragraph(f"Commande : {_esc(doc.batch_label)}.", s["body"]),
        Paragraph("Détail", s["h2"]),
        _table(
            [["Désignation", "Quantité", "Prix unitaire", "Montant"]]
            + [
                [
                    Paragraph(
                        _esc(
                            f"Chèques pass numériques chargés sur les carnets ({doc.batch_label})"
                        ),
                        s["cell"],
                    ),
                    str(doc.vouchers),
                    format_eur(doc.face_value_cents),
                    format_eur(doc.batch_value_cents),
                ],
                ["Valeur totale de la commande", "", "", format_eur(doc.batch_value_cents)],
                [f"Votre part ({_share(doc.share_bp)})", "", "", format_eur(doc.amount_cents)],
            ],
            [86 * mm, 22 * mm, 30 * mm, 36 * mm],
            right=(1, 2, 3),
        ),
        Spacer(1, 3 * mm),
        Paragraph(f"Montant dû : <b>{format_eur(doc.amount_cents)}</b> (TVA : 0,00 €).", s["body"]),
        Paragraph(_esc(doc.terms), s["body"]),
        Paragraph(
            f"Par virement sur l'IBAN {doc.iban}, en rappelant le n° {doc.number}.", s["body"]
        )
        if doc.iban
        else Spacer(1, 1),
        Spacer(1, 3 * mm),
        Paragraph(_esc(VAT_MENTION), s["body"]),
    ]
    return _build(
        story, f"{doc.title} {doc.number}", f"{doc.title} n° {doc.number} — {doc.funder_name}", ""
    )


def statement_pdf(st) -> bytes:  # st: services.finance.funder_statement.FunderStatement
    s = _styles()

    def cents(value: int | None) -> str:
        return "—" if value is None else format_eur(value)

    story: list[Flowable] = [
        Paragraph("Relevé périodique du financeur", s["title"]),
        Spacer(1, 2 * mm),
        *_issuer(st.issuer, s),
        Spacer(1, 3 * mm),
        Paragraph(
            f"<b>{_esc(st.funder_name)}</b>"
            + (f" — SIRET {st.funder_siret}" if st.funder_siret else ""),
            s["body"],
        ),
        Paragraph(
            f"Dispositif : {_esc(st.programme_name)} — votre part : {_share(st.share_bp)}.",
            s["body"],
        ),
        Paragraph(
            f"Période : du {_day(st.first_day)} au {_day(st.last_day)} (heure de Paris).", s["body"]
        ),
        Paragraph("Chiffres du journal", s["h2"]),
        _table(
            [
                [
                    "",
                    "Période",
                    "Cumul / solde",
                    "Part, période",
                    "Part, cumul",
                ]
            ]
            + [
                [
                    Paragraph(_esc(f.label + (" *" if f.programme_wide else "")), s["cell"]),
                    cents(f.period_cents),
                    cents(f.to_date_cents),
                    cents(f.share_period_cents),
                    cents(f.share_to_date_cents),
                ]
                for f in st.figures
            ],
            [62 * mm, 26 * mm, 26 * mm, 30 * mm, 30 * mm],
            right=(1, 2, 3, 4),
        ),
        Spacer(1, 2 * mm),
        Paragraph(
            "* chiffre du dispositif entier ; votre part suit votre quote-part de financement. "
            f"Cumul : depuis le début du dispositif jusqu'au {_day(st.last_day)} inclus. "
            "Les soldes sont ceux du journal à la fin du dernier jour ; ils se rapprochent des "
            "comptes vérifiés par « voucher audit ».",
            s["small"],
        ),
        Spacer(1, 2 * mm),
        Paragraph(_esc(VAT_MENTION), s["small"]),
    ]
    return _build(
        story,
        f"Relevé financeur {st.funder_name}",
        f"Relevé du financeur — {st.funder_name} — {st.programme_name}",
        "",
    )


def statement_xlsx(st) -> bytes:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Relevé"
    ws.append(["Relevé périodique du financeur"])
    ws.append(["Émis par", " — ".join(st.issuer)])
    ws.append(["Financeur", st.funder_name, st.funder_siret])
    ws.append(["Dispositif", st.programme_name, st.share_bp / 10000])
    ws.append(["Du", st.first_day, "au", st.last_day])
    ws.append([])
    ws.append(
        [
            "Clé",
            "Libellé",
            "Dispositif entier",
            "Période",
            "Cumul / solde",
            "Part période",
            "Part cumul",
        ]
    )
    for f in st.figures:
        ws.append(
            [
                f.key,
                f.label,
                "oui" if f.programme_wide else "non",
                *[
                    None if v is None else Decimal(v) / 100
                    for v in (
                        f.period_cents,
                        f.to_date_cents,
                        f.share_period_cents,
                        f.share_to_date_cents,
                    )
                ],
            ]
        )
    for row in ws.iter_rows(min_row=8, min_col=4, max_col=7):
        for cell in row:
            cell.number_format = '#,##0.00 "€"'
    ws["C4"].number_format = "0.00%"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
