"""The impact report a funder reads in ten minutes (reportlab, A4, French).

Rules kept: key figures first, then the rural / urban comparison with its intervals and
what can and cannot be concluded, then the charts, then method and limits, and the
statistical-secrecy note. Only published (protected) figures are given to this module.
The font (DejaVu Sans, shipped with matplotlib) is embedded and carries € and accents.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SANS, BOLD = "ImpactSans", "ImpactSans-Bold"


@dataclass
class ReportDoc:
    title: str
    subtitle: str
    generated: str
    key_figures: list[tuple[str, str]]
    #: (what, rural, urban, gap, conclusion)
    comparisons: list[tuple[str, str, str, str, str]]
    #: (title, PNG bytes, caption)
    charts: list[tuple[str, bytes, str]] = field(default_factory=list)
    method: list[str] = field(default_factory=list)
    limits: list[str] = field(default_factory=list)
    note: str = ""


def _fonts() -> None:
    import matplotlib
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    known = set(pdfmetrics.getRegisteredFontNames())
    for name, file in ((SANS, "DejaVuSans.ttf"), (BOLD, "DejaVuSans-Bold.ttf")):
        if name not in known:
            pdfmetrics.registerFont(TTFont(name, str(folder / file)))
    pdfmetrics.registerFontFamily(SANS, normal=SANS, bold=BOLD, italic=SANS, boldItalic=BOLD)


def _styles() -> dict[str, Any]:
    from reportlab.lib.colors import HexColor
    from reportlab.lib.styles import ParagraphStyle

    ink = HexColor("#1d2433")
    base = ParagraphStyle(
        "base", fontName=SANS, fontSize=10.5, leading=14.5, textColor=ink, spaceAfter=6
    )
    return {
        "base": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=11),
        "title": ParagraphStyle(
            "title", parent=base, fontName=BOLD, fontSize=20, leading=24, spaceAfter=4
        ),
        "subtitle": ParagraphStyle(
            "subtitle", parent=base, fontSize=12, leading=16, textColor=HexColor("#4a5568")
        ),
        "h2": ParagraphStyle(
            "h2", parent=base, fontName=BOLD, fontSize=14, leading=18, spaceBefore=12, spaceAfter=6
        ),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=11.5, spaceAfter=0),
    }


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _table(
    rows: list[list[str]], widths: list[float], st: dict[str, Any], header: bool = True
) -> Any:
    from reportlab.lib.colors import HexColor
    from reportlab.platypus import Paragraph, Table, TableStyle

    data = [
        [Paragraph(_esc(c) if i or not header else f"<b>{_esc(c)}</b>", st["cell"]) for c in row]
        for i, row in enumerate(rows)
    ]
    if header:
        data[0] = [Paragraph(f"<b>{_esc(c)}</b>", st["cell"]) for c in rows[0]]
    t = Table(data, colWidths=widths, repeatRows=1 if header else 0)
    style = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LINEBELOW", (0, 0), (-1, -1), 0.3, HexColor("#c8ced8")),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        style.append(("BACKGROUND", (0, 0), (-1, 0), HexColor("#e8eef5")))
    t.setStyle(TableStyle(style))
    return t


def _footer(canvas: Any, doc: Any) -> None:
    canvas.saveState()
    canvas.setFont(SANS, 8)
    canvas.drawString(
        doc.leftMargin,
        12 * 2.8346,
        "Données agrégées — secret statistique appliqué — aucune donnée personnelle.",
    )
    canvas.drawRightString(doc.pagesize[0] - doc.rightMargin, 12 * 2.8346, f"page {doc.page}")
    canvas.restoreState()


def render(doc: ReportDoc) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import cm
    from reportlab.platypus import Image, KeepTogether, Paragraph, SimpleDocTemplate, Spacer

    _fonts()
    st = _styles()
    buf = io.BytesIO()
    page = SimpleDocTemplate(
        buf,
        pagesize=A4,
        leftMargin=2 * cm,
        rightMargin=2 * cm,
        topMargin=1.8 * cm,
        bottomMargin=2 * cm,
        title=doc.title,
        author="Registre ouvert des pass numériques",
        subject="Mesure d'impact",
        lang="fr-FR",
    )
    width = A4[0] - 4 * cm
    story = [
        Paragraph(_esc(doc.title), st["title"]),
        Paragraph(_esc(doc.subtitle), st["subtitle"]),
        Paragraph(_esc(doc.generated), st["small"]),
        Spacer(1, 8),
        Paragraph("Chiffres clés", st["h2"]),
        _table(
            [["Indicateur", "Valeur"], *[[k, v] for k, v in doc.key_figures]],
            [width * 0.68, width * 0.32],
            st,
        ),
        Paragraph("Rural et urbain : ce que l'on peut dire", st["h2"]),
    ]
    rows = [["Ce qui est comparé", "Rural", "Urbain", "Écart (IC 95 %)"]]
    rows += [[what, rural, urban, gap] for what, rural, urban, gap, _ in doc.comparisons]
    story.append(_table(rows, [width * 0.34, width * 0.2, width * 0.2, width * 0.26], st))
    story.append(Spacer(1, 6))
    story += [Paragraph(_esc(conclusion), st["base"]) for *_, conclusion in doc.comparisons]
    for title, png, caption in doc.charts:
        img = Image(io.BytesIO(png), width=width, height=width * 0.47, kind="proportional")
        story.append(
            KeepTogether(
                [Paragraph(_esc(title), st["h2"]), img, Paragraph(_esc(caption), st["small"])]
            )
        )
    story.append(Paragraph("Méthode", st["h2"]))
    story += [Paragraph(_esc(p), st["base"]) for p in doc.method]
    story.append(Paragraph("Limites", st["h2"]))
    story += [Paragraph(_esc(p), st["base"]) for p in doc.limits]
    story += [Paragraph("Secret statistique", st["h2"]), Paragraph(_esc(doc.note), st["base"])]
    page.build(story, onFirstPage=_footer, onLaterPages=_footer)
    return buf.getvalue()
