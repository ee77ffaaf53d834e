"""The carnet's cover, front and back: for the person who receives it.

Rules kept:

* body text is 16 points, shrinking to fit but never under :data:`MIN_BODY` (14 pt, the
  plain-language guidance); the sections are split over the two sides of the cover sheet
  (:func:`voucher.domain.printing.cover_pages`) so that they fit at that size;
* the programme's name is never cut: it wraps on up to three lines and shrinks from 16 to
  10 points; funders are named with their article ("la Fondation A et le Département B");
* nothing else is cut either: every text wraps; "Où aller ?" lists as many of the nearest
  places (name, address, opening hours) as fit at 14 points, and a side whose text cannot
  fit at 14 points is refused (``cover_overflow``), never printed short;
* the cover's coloured band runs into the bleed; texts stay 22 mm inside the trim.
"""

from __future__ import annotations

import io
from dataclasses import replace

from reportlab.graphics import renderPDF
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Frame, ListFlowable, ListItem, Paragraph, Spacer

from voucher.documents.carnet_layout import ACCENT, BLEED, TRIM_H, TRIM_W, K, fit_lines
from voucher.documents.fonts import SANS, SANS_BOLD, ensure_fonts
from voucher.documents.logo import cmyk_image, logo_kind
from voucher.documents.svg_logo import cmyk_drawing
from voucher.domain.errors import DomainError
from voucher.domain.printing import CarnetInfo, CoverPlace, Section, cover_pages

MIN_BODY = 14.0
LEFT = 22 * mm
WIDTH = TRIM_W - 2 * LEFT
FRONT_TEXT_TOP = 104 * mm  # below the serial box and the replacement note
BOTTOM = 14 * mm


def programme_lines(name: str) -> tuple[list[str], float]:
    """The programme's name on the cover: up to three lines, 16 down to 10 points."""
    return fit_lines(name, SANS, 16, WIDTH, lines=3, smallest=10)


def front(c: Canvas, info: CarnetInfo) -> None:
    """The front's shared part (drawn once per PDF as a form)."""
    c.setFillColor(ACCENT)
    c.rect(-BLEED, TRIM_H - 12 * mm, TRIM_W + 2 * BLEED, 12 * mm + BLEED, stroke=0, fill=1)
    c.setFont(SANS_BOLD, 24)
    c.drawString(LEFT, TRIM_H - 32 * mm, "Votre carnet de pass numériques")
    if info.logo:
        _logo(c, info.logo)
    c.setFillColor(K)
    lines, size = programme_lines(info.programme)
    c.setFont(SANS, size)
    for i, line in enumerate(lines):
        c.drawString(LEFT, TRIM_H - 42 * mm - i * size * 1.2, line)
    c.setStrokeColor(ACCENT)
    c.setLineWidth(1.5)
    c.roundRect(LEFT, TRIM_H - 86 * mm, WIDTH, 23 * mm, 3 * mm, stroke=1, fill=0)
    sections, _ = cover_pages(info)
    _frame(c, sections, FRONT_HEIGHT)


def _logo(c: Canvas, data: bytes) -> None:
    """The funder's logo, in the right of the serial box, within 40 × 17 mm, in CMYK."""
    width, height = 40 * mm, 17 * mm
    left, bottom = TRIM_W - LEFT - 4 * mm - width, TRIM_H - 83 * mm
    if logo_kind(data) == "svg":
        drawing = cmyk_drawing(data)
        scale = min(width / drawing.width, height / drawing.height)
        c.saveState()
        c.translate(left + width - drawing.width * scale, bottom + height - drawing.height * scale)
        c.scale(scale, scale)
        renderPDF.draw(drawing, c, 0, 0)
        c.restoreState()
        return
    c.drawImage(
        ImageReader(cmyk_image(data)),
        left,
        bottom,
        width,
        height,
        preserveAspectRatio=True,
        anchor="ne",
    )


def back(c: Canvas, info: CarnetInfo) -> None:
    """The back of the cover (the same for every book: one form per PDF)."""
    c.setFillColor(ACCENT)
    c.rect(-BLEED, TRIM_H - 6 * mm, TRIM_W + 2 * BLEED, 6 * mm + BLEED, stroke=0, fill=1)
    c.setFillColor(K)
    _frame(c, back_sections(c, info), BACK_HEIGHT)


BACK_HEIGHT = TRIM_H - 20 * mm - BOTTOM
FRONT_HEIGHT = TRIM_H - FRONT_TEXT_TOP - BOTTOM


def back_sections(c: Canvas, info: CarnetInfo) -> list[Section]:
    """The back's sections with as many of the nearest places as fit at 14 points."""
    for count in range(len(info.places), -1, -1):
        _, sections = cover_pages(replace(info, places=info.places[:count]))
        if fits(c, sections, BACK_HEIGHT):
            return sections
    return sections  # even without places it does not fit: :func:`_frame` refuses it


def fits(c: Canvas, sections: list[Section], height: float) -> bool:
    return _height(c, _flowables(sections, MIN_BODY)) <= height


def front_fits(info: CarnetInfo) -> bool:
    """Whether the front's text (the programme's own "À quoi sert ce carnet ?") fits at
    14 points, measured as the carnet draws it."""
    ensure_fonts()
    sections, _ = cover_pages(info)
    return fits(Canvas(io.BytesIO()), sections, FRONT_HEIGHT)


def serial_box(c: Canvas, serial_label: str, count_label: str, replaces: str | None) -> None:
    c.setFillColor(K)
    c.setFont(SANS_BOLD, 20)
    c.drawString(LEFT + 6 * mm, TRIM_H - 73 * mm, serial_label)
    c.setFont(SANS, 14)
    c.drawString(LEFT + 6 * mm, TRIM_H - 82 * mm, count_label)
    if replaces is not None:
        c.setFont(SANS_BOLD, 14)
        c.setFillColor(ACCENT)
        c.drawString(LEFT, TRIM_H - 93 * mm, f"Ce carnet remplace le carnet n° {replaces}, abîmé.")
        c.drawString(LEFT, TRIM_H - 100 * mm, "Les chèques de l'ancien carnet ne valent plus rien.")
        c.setFillColor(K)


def _frame(c: Canvas, sections: list[Section], height: float) -> None:
    frame = Frame(
        LEFT,
        BOTTOM,
        WIDTH,
        height,
        leftPadding=0,
        rightPadding=0,
        topPadding=0,
        bottomPadding=0,
        showBoundary=0,
    )
    flowables = _fit(c, sections, height)
    frame.addFromList(flowables, c)
    if flowables:  # what the frame could not hold: refused, never printed short
        raise DomainError("cover_overflow")


def _flowables(sections: list[Section], size: float) -> list[Flowable]:
    body = ParagraphStyle(
        "body", fontName=SANS, fontSize=size, leading=size * 1.3, alignment=TA_LEFT, textColor=K
    )
    head = ParagraphStyle(
        "head",
        parent=body,
        fontName=SANS_BOLD,
        fontSize=size + 3,
        leading=(size + 3) * 1.3,
        textColor=ACCENT,
        spaceBefore=size * 0.9,
        spaceAfter=size * 0.25,
    )
    out: list[Flowable] = []
    for section in sections:
        out.append(Paragraph(section.title, head))
        out.extend(_place(place, body) for place in section.places)
        paragraphs = [Paragraph(_escape(line), body) for line in section.lines]
        if section.numbered:
            out.append(
                ListFlowable(
                    [ListItem(p) for p in paragraphs],
                    bulletType="1",
                    bulletFontName=SANS_BOLD,
                    bulletFontSize=size,
                    bulletColor=K,
                    leftIndent=size * 1.4,
                )
            )
        else:
            out.extend(paragraphs)
    out.append(Spacer(1, 1))
    return out


def _place(place: CoverPlace, body: ParagraphStyle) -> Flowable:
    """One place: its name in bold, then its address and opening hours, indented."""
    indent = body.fontSize * 1.1
    style = ParagraphStyle(
        "place",
        parent=body,
        leftIndent=indent,
        spaceAfter=body.fontSize * 0.4,
        bulletFontName=SANS,
        bulletFontSize=body.fontSize,
    )
    text = f"<b>{_escape(place.name)}</b>"
    for line in (place.address, place.hours_line):
        if line:
            text += f"<br/>{_escape(line)}"
    return Paragraph(text, style, bulletText="•")


def body_size(c: Canvas, sections: list[Section], height: float) -> float:
    """The largest body size (16 pt down to :data:`MIN_BODY`) at which the sections fit."""
    size = 16.0
    while size > MIN_BODY:
        if _height(c, _flowables(sections, size)) <= height:
            break
        size -= 0.5
    return size


def _height(c: Canvas, flowables: list[Flowable]) -> float:
    return sum(
        f.wrapOn(c, WIDTH, TRIM_H)[1] + f.getSpaceBefore() + f.getSpaceAfter() for f in flowables
    )


def _fit(c: Canvas, sections: list[Section], height: float) -> list[Flowable]:
    return _flowables(sections, body_size(c, sections, height))


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
