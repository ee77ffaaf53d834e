"""The attestation a public body gives its régie (its public accountant): the amounts the
scheme reimbursed to it over a period, statement by statement and per programme, with the
scheme's rules in plain French. A4, French, DejaVu Sans embedded; amounts from integer
cents through :func:`voucher.domain.money.format_eur` only."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import date, datetime

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from voucher.documents.fonts import SANS, SANS_BOLD, ensure_fonts
from voucher.domain.money import format_eur

RULES = (
    "Les pass numériques sont des chèques remis par des prescripteurs à des personnes "
    "éloignées du numérique. Un lieu labellisé accepte un chèque en échange d'un "
    "accompagnement gratuit pour la personne et l'enregistre au registre le jour même.",
    "Chaque mois clôturé (mois civil, heure de Paris), le lieu reçoit un relevé numéroté "
    "sans trou des chèques encaissés ; il est remboursé de leur valeur faciale, par "
    "virement, sur les coordonnées bancaires validées par deux personnes distinctes.",
    "Un chèque n'est remboursé qu'une fois ; un chèque retenu pour vérification n'entre dans "
    "un relevé qu'une fois libéré. Les montants ci-dessous sont ceux des virements "
    "constatés payés sur la période.",
)


@dataclass(frozen=True)
class Line:
    number: str
    period: str
    paid_on: date
    programmes: list[tuple[str, int]]
    total_cents: int


@dataclass(frozen=True)
class Attestation:
    structure_name: str
    siret: str
    address: list[str]
    first_day: date
    last_day: date
    lines: list[Line]
    issued_at: datetime  # Europe/Paris

    @property
    def total_cents(self) -> int:
        return sum(x.total_cents for x in self.lines)


def attestation_pdf(doc: Attestation) -> bytes:
    ensure_fonts()
    out = io.BytesIO()
    body = ParagraphStyle("body", fontName=SANS, fontSize=10, leading=14)
    title = ParagraphStyle("title", fontName=SANS_BOLD, fontSize=15, leading=20)
    head = ParagraphStyle("head", fontName=SANS_BOLD, fontSize=11, leading=16, spaceBefore=8)
    pdf = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title="Attestation de remboursements — pass numériques",
        author="Registre ouvert des pass numériques",
    )
    days = f"du {doc.first_day.strftime('%d/%m/%Y')} au {doc.last_day.strftime('%d/%m/%Y')}"
    story: list = [
        Paragraph("Attestation de remboursements — pass numériques", title),
        Paragraph(f"Pour la régie de {doc.structure_name} (SIRET {doc.siret})", body),
        *[Paragraph(line, body) for line in doc.address],
        Spacer(1, 4 * mm),
        Paragraph(
            f"Le registre des pass numériques atteste que {doc.structure_name} a été remboursé "
            f"de <b>{format_eur(doc.total_cents)}</b> {days}, selon le détail ci-dessous.",
            body,
        ),
        Paragraph("Détail des relevés payés", head),
    ]
    rows = [["Relevé", "Mois", "Payé le", "Dispositifs", "Montant"]]
    for x in doc.lines:
        split = "\n".join(f"{name} : {format_eur(c)}" for name, c in x.programmes)
        rows.append(
            [x.number, x.period, x.paid_on.strftime("%d/%m/%Y"), split, format_eur(x.total_cents)]
        )
    rows.append(["Total", "", "", "", format_eur(doc.total_cents)])
    table = Table(rows, colWidths=[28 * mm, 20 * mm, 24 * mm, 70 * mm, 28 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONT", (0, 0), (-1, -1), SANS, 9),
                ("FONT", (0, 0), (-1, 0), SANS_BOLD, 9),
                ("FONT", (0, -1), (-1, -1), SANS_BOLD, 9),
                ("ALIGN", (-1, 0), (-1, -1), "RIGHT"),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.6, colors.black),
                ("LINEABOVE", (0, -1), (-1, -1), 0.6, colors.black),
            ]
        )
    )
    story += [table, Paragraph("Règles du dispositif", head)]
    story += [Paragraph(rule, body) for rule in RULES]
    story += [
        Spacer(1, 6 * mm),
        Paragraph(
            f"Établie le {doc.issued_at.strftime('%d/%m/%Y à %H:%M')} (heure de Paris).", body
        ),
    ]
    pdf.build(story)
    return out.getvalue()
