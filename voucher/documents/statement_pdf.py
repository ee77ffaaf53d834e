"""Statement and credit-note PDFs (reportlab, A4, French, DejaVu Sans embedded).

A statement prints the structure (name, SIRET, address), the period, one line per voucher
(Paris date and time, book serial and position, theme, programme, amount), totals per
programme and per funder share, its gap-free number and the journal hash sealed at close.
A credit note prints the funder, the programme, the books whose vouchers went unused and
the funder's share. Every page repeats the number; amounts come from integer cents through
:func:`voucher.domain.money.format_eur` only.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import Flowable

from voucher.domain.money import format_eur

ACCENT = colors.HexColor("#0b5d6b")


@dataclass(frozen=True)
class StatementLine:
    scanned_at: datetime  # Europe/Paris
    book_serial: int
    position: int
    book_size: int
    theme: str
    programme: str
    amount_cents: int


@dataclass(frozen=True)
class StatementDoc:
    number: str
    period_label: str
    first_day: date
    last_day: date
    structure_name: str
    siret: str
    address: list[str]
    iban_tail: str
    lines: list[StatementLine]
    programmes: list[tuple[str, int, int]]  # name, vouchers, cents
    funders: list[tuple[str, int]]  # name, cents
    total_cents: int
    journal_hash: str
    created_at: datetime
    status_fr: str = ""
    #: the operator issuing the statement: name, SIRET, address lines
    issuer: list[str] = field(default_factory=list)
    #: where the money went: « Payé le 03/06/2026 par virement sur le compte … 1253 »
    payment_fr: str = ""


#: the statement's VAT position (justified in docs/finance.md)
VAT_POSITION = (
    "TVA : opération hors du champ de la TVA. Ce relevé rembourse, au nom et pour le compte "
    "des financeurs, la valeur faciale des chèques que le lieu a acceptés en paiement de ses "
    "séances ; l'émetteur ne lui vend rien et ne facture aucune prestation. La TVA éventuelle "
    "sur les séances relève du régime propre du lieu."
)


@dataclass(frozen=True)
class CreditNoteDoc:
    number: str
    funder_name: str
    funder_siret: str
    programme_name: str
    valid_until: date
    share_bp: int
    amount_cents: int
    programme_breakage_cents: int
    books: list[tuple[int, int, int]]  # serial, unused vouchers, cents (100 %)
    created_at: datetime
    operator_name: str = "Registre des pass numériques"
    notes: list[str] = field(default_factory=list)


def _styles() -> dict[str, ParagraphStyle]:
    from voucher.documents.fonts import SANS, SANS_BOLD, ensure_fonts

    ensure_fonts()
    return {
        "title": ParagraphStyle(
            "title", fontName=SANS_BOLD, fontSize=16, leading=20, textColor=ACCENT
        ),
        "h2": ParagraphStyle(
            "h2", fontName=SANS_BOLD, fontSize=11, leading=14, spaceBefore=8, spaceAfter=4
        ),
        "body": ParagraphStyle("body", fontName=SANS, fontSize=9.5, leading=12.5),
        "small": ParagraphStyle(
            "small", fontName=SANS, fontSize=7.5, leading=9.5, textColor=colors.HexColor("#4a4a55")
        ),
        "cell": ParagraphStyle("cell", fontName=SANS, fontSize=8, leading=10),
    }


def _table(
    rows: Sequence[Sequence[object]],
    widths: list[float],
    *,
    header: bool = True,
    right: tuple[int, ...] = (),
) -> Table:
    from voucher.documents.fonts import SANS, SANS_BOLD

    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [
        ("FONTNAME", (0, 0), (-1, -1), SANS),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.HexColor("#c8ccd0")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    if header:
        style += [
            ("FONTNAME", (0, 0), (-1, 0), SANS_BOLD),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#f2f4f5")),
        ]
    style += [("ALIGN", (c, 0), (c, -1), "RIGHT") for c in right]
    table.setStyle(TableStyle(style))
    return table


def _footer(label: str, hash_line: str) -> object:
    from voucher.documents.fonts import SANS

    def draw(canvas: Canvas, doc: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(SANS, 7)
        canvas.setFillColor(colors.HexColor("#4a4a55"))
        canvas.drawString(18 * mm, 10 * mm, label)
        if hash_line:
            canvas.drawRightString(A4[0] - 18 * mm, 10 * mm, hash_line)
        canvas.restoreState()

    return draw


def _build(story: list[Flowable], title: str, footer_label: str, hash_line: str) -> bytes:
    buf = io.BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=title,
        author="Registre des pass numériques",
        lang="fr-FR",
        invariant=1,
    )
    footer = _footer(footer_label, hash_line)
    doc.build(story, onFirstPage=footer, onLaterPages=footer, canvasmaker=_NumberedCanvas)
    return buf.getvalue()


class _NumberedCanvas(Canvas):
    """Writes « page x/y » on every page once the number of pages is known."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        from voucher.documents.fonts import SANS

        # start every page in the embedded font, not reportlab's Helvetica (never embedded:
        # PDF/A, which funders' documents are, refuses a font that is not)
        kwargs["initialFontName"] = kwargs.get("initialFontName") or SANS
        super().__init__(*args, **kwargs)
        self._pages: list[dict[str, Any]] = []

    def showPage(self) -> None:  # noqa: N802 (reportlab's name)
        self._pages.append(dict(self.__dict__))
        self._startPage()

    def save(self) -> None:
        from voucher.documents.fonts import SANS

        for state in self._pages:
            self.__dict__.update(state)
            self.setFont(SANS, 7)
            self.setFillColor(colors.HexColor("#4a4a55"))
            self.drawCentredString(A4[0] / 2, 5 * mm, f"page {self._pageNumber}/{len(self._pages)}")
            super().showPage()
        super().save()


def _day(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def _issuer(lines: Sequence[str], s: Any) -> list[Flowable]:
    """The issuer's identity (name, SIRET, address…), first line "Émis par …"."""
    return [
        Paragraph(("Émis par " if i == 0 else "") + _esc(line), s["small"])
        for i, line in enumerate(lines)
    ]


def statement_pdf(doc: StatementDoc) -> bytes:
    s = _styles()
    story: list[Flowable] = [
        Paragraph(f"Relevé de remboursement n° {doc.number}", s["title"]),
        Spacer(1, 2 * mm),
        *_issuer(doc.issuer, s),
        Spacer(1, 3 * mm),
        Paragraph(f"<b>{_esc(doc.structure_name)}</b> — SIRET {doc.siret}", s["body"]),
        *[Paragraph(_esc(line), s["body"]) for line in doc.address],
        Spacer(1, 2 * mm),
        Paragraph(
            f"Période : {doc.period_label} (scans du {_day(doc.first_day)} au {_day(doc.last_day)}, "
            "heure de Paris).",
            s["body"],
        ),
        Paragraph(
            f"Établi le {doc.created_at.strftime('%d/%m/%Y à %H:%M')}. "
            + (doc.payment_fr or f"Virement sur le compte se terminant par {doc.iban_tail}."),
            s["body"],
        ),
        Paragraph(
            f"Montant total : <b>{format_eur(doc.total_cents)}</b> pour {len(doc.lines)} chèque"
            f"{'s' if len(doc.lines) > 1 else ''}.",
            s["body"],
        ),
        Paragraph("Chèques encaissés", s["h2"]),
        _table(
            [["Date", "Carnet", "Chèque", "Séance", "Dispositif", "Montant"]]
            + [
                [
                    ln.scanned_at.strftime("%d/%m/%Y %H:%M"),
                    f"{ln.book_serial:06d}",
                    f"{ln.position}/{ln.book_size}",
                    Paragraph(_esc(ln.theme), s["cell"]),
                    Paragraph(_esc(ln.programme), s["cell"]),
                    format_eur(ln.amount_cents),
                ]
                for ln in doc.lines
            ],
            [28 * mm, 16 * mm, 13 * mm, 46 * mm, 45 * mm, 26 * mm],
            right=(5,),
        ),
        Paragraph("Totaux par dispositif", s["h2"]),
        _table(
            [["Dispositif", "Chèques", "Montant"]]
            + [
                [Paragraph(_esc(name), s["cell"]), str(n), format_eur(c)]
                for name, n, c in doc.programmes
            ]
            + [["Total", str(len(doc.lines)), format_eur(doc.total_cents)]],
            [110 * mm, 25 * mm, 39 * mm],
            right=(1, 2),
        ),
        Paragraph("Part de chaque financeur", s["h2"]),
        _table(
            [["Financeur", "Montant"]]
            + [[Paragraph(_esc(name), s["cell"]), format_eur(c)] for name, c in doc.funders],
            [135 * mm, 39 * mm],
            right=(1,),
        ),
        Spacer(1, 4 * mm),
        Paragraph(VAT_POSITION, s["body"]),
        Spacer(1, 2 * mm),
        Paragraph(f"Empreinte du journal à la clôture (SHA-256) : {doc.journal_hash}", s["small"]),
        Paragraph(
            "Ce relevé est numéroté sans trou ; l'empreinte permet à tout auditeur de vérifier que le "
            "journal n'a pas été modifié depuis la clôture (commande « voucher audit »).",
            s["small"],
        ),
    ]
    return _build(
        story,
        f"Relevé {doc.number}",
        f"Relevé n° {doc.number} — {doc.structure_name}",
        f"journal {doc.journal_hash[:16]}…",
    )


def credit_note_pdf(doc: CreditNoteDoc) -> bytes:
    s = _styles()
    share = f"{doc.share_bp / 100:.2f}".rstrip("0").rstrip(".").replace(".", ",")
    story: list[Flowable] = [
        Paragraph(f"Avoir n° {doc.number}", s["title"]),
        Spacer(1, 3 * mm),
        Paragraph(
            f"À l'attention de <b>{_esc(doc.funder_name)}</b>"
            + (f" — SIRET {doc.funder_siret}" if doc.funder_siret else ""),
            s["body"],
        ),
        Paragraph(
            f"Dispositif : {_esc(doc.programme_name)} (valable jusqu'au {_day(doc.valid_until)}).",
            s["body"],
        ),
        Paragraph(
            f"Établi le {doc.created_at.strftime('%d/%m/%Y')} par {_esc(doc.operator_name)}.",
            s["body"],
        ),
        Spacer(1, 2 * mm),
        Paragraph(
            f"Les chèques non utilisés représentent {format_eur(doc.programme_breakage_cents)}. "
            f"Votre part ({share} %) vous est rendue : <b>{format_eur(doc.amount_cents)}</b>.",
            s["body"],
        ),
        *[Paragraph(_esc(n), s["body"]) for n in doc.notes],
        Paragraph("Carnets concernés", s["h2"]),
        _table(
            [["Carnet", "Chèques non utilisés", "Valeur"]]
            + [[f"{serial:06d}", str(n), format_eur(c)] for serial, n, c in doc.books]
            + [
                [
                    "Total",
                    str(sum(b[1] for b in doc.books)),
                    format_eur(sum(b[2] for b in doc.books)),
                ]
            ],
            [40 * mm, 60 * mm, 40 * mm],
            right=(1, 2),
        ),
    ]
    return _build(story, f"Avoir {doc.number}", f"Avoir n° {doc.number} — {doc.funder_name}", "")


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
