"""What is drawn around and behind the carnet's texts: crop marks, the security background,
the specimen marks of a proof, and the page boxes.

Rules kept:

* crop marks sit in the slug, outside the bleed, one at each end of every cut of the grid;
* the **security background** of a voucher is a light guilloche (interleaved sine lines)
  and lines of microtext repeating the programme's name (2 pt): a photocopier blurs them
  into flat tint, an original shows them sharp. It is a light tint (:data:`SECURITY`); the
  barcode's area, quiet zones included, is painted white over it, so the bars keep the
  contrast of black on white (the decode tests render it at 150 dpi, and blurred);
* a proof carries a specimen mark **in every voucher cell** (stub and body) and, on the
  cover, a red banner and an outlined "SPECIMEN" drawn **over** everything else, so no cut
  piece and no cover of a proof can pass for a real one;
* the page boxes (trim, bleed) are declared here; the PDF/X-4 output intent and markers
  in :mod:`voucher.documents.pdfx`.
"""

from __future__ import annotations

import math

from reportlab.lib.units import mm
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas

from voucher.documents.carnet_layout import (
    BLEED,
    COLUMNS,
    GREY,
    MICROTEXT,
    SECURITY,
    SLUG,
    SPECIMEN_INK,
    SPECIMEN_RED,
    STUB_W,
    TRIM_H,
    TRIM_W,
    WHITE,
    Grid,
    K,
)
from voucher.documents.fonts import SANS, SANS_BOLD
from voucher.domain.printing import SPECIMEN_BANNER, SPECIMEN_MARK


def boxes() -> dict[str, tuple[float, float, float, float]]:
    """The page boxes, in page coordinates (the trim starts at the slug)."""
    return {
        "trimBox": (SLUG, SLUG, SLUG + TRIM_W, SLUG + TRIM_H),
        "bleedBox": (SLUG - BLEED, SLUG - BLEED, SLUG + TRIM_W + BLEED, SLUG + TRIM_H + BLEED),
    }


def crop_marks(c: Canvas, grid: Grid | None) -> None:
    """Marks in the slug at both ends of every cut (trim coordinates)."""
    xs = [i * TRIM_W / COLUMNS for i in range(COLUMNS + 1)] if grid else [0, TRIM_W]
    ys = [j * grid.cell_h for j in range(grid.rows + 1)] if grid else [0, TRIM_H]
    gap, end = BLEED + 1 * mm, SLUG
    c.setStrokeColor(K)
    c.setLineWidth(0.25)
    for x in xs:
        c.line(x, -end, x, -gap)
        c.line(x, TRIM_H + gap, x, TRIM_H + end)
    for y in ys:
        c.line(-end, y, -gap, y)
        c.line(TRIM_W + gap, y, TRIM_W + end, y)


def security(c: Canvas, width: float, height: float, microtext: str) -> None:
    """The guilloche and microtext of one voucher (cell coordinates, from its stub edge)."""
    c.saveState()
    path = c.beginPath()
    path.rect(0, 0, width, height)
    c.clipPath(path, stroke=0, fill=0)
    c.setStrokeColor(SECURITY)
    c.setLineWidth(0.35)
    step, wave = 2.0, 9.0
    for i in range(int(height / 5.5) + 2):
        for phase in (0.0, math.pi):
            line = c.beginPath()
            base = i * 5.5
            line.moveTo(0, base)
            x = 0.0
            while x <= width:
                x += step
                line.lineTo(x, base + 2.2 * math.sin(2 * math.pi * x / (wave * 6) + phase + i))
            c.drawPath(line, stroke=1, fill=0)
    c.setFillColor(MICROTEXT)
    c.setFont(SANS, 2)
    unit = f"{microtext.upper()} · PASS NUMÉRIQUE · "
    text = unit * (int(width / max(stringWidth(unit, SANS, 2), 1)) + 2)
    for y in (height - 5.2 * mm, 2.0 * mm + 13):
        c.drawString(0, y, text)
    c.restoreState()


def stub_line(c: Canvas, height: float) -> None:
    """The perforation between the counterfoil and the voucher."""
    c.saveState()
    c.setStrokeColor(GREY)
    c.setLineWidth(0.4)
    c.setDash(1.2, 2)
    c.line(STUB_W, 2 * mm, STUB_W, height - 2 * mm)
    c.restoreState()


def specimen_cell(c: Canvas, width: float, height: float) -> None:
    """A proof's mark across one voucher cell, stub included (under the variable content)."""
    c.saveState()
    c.setFillColor(SPECIMEN_INK)
    c.setFont(SANS_BOLD, 26)
    c.translate(STUB_W + (width - STUB_W) / 2, height / 2)
    c.rotate(18)
    c.drawCentredString(0, -9, "SPECIMEN")
    c.restoreState()
    c.saveState()
    c.setFillColor(SPECIMEN_INK)
    c.setFont(SANS_BOLD, 9)
    c.translate(STUB_W / 2, 52)
    c.drawCentredString(0, 0, "SPECIMEN")
    c.restoreState()


def specimen_banner(c: Canvas) -> None:
    """The proof's banner in the top slug (voucher pages)."""
    c.setFont(SANS_BOLD, 7)
    width = stringWidth(SPECIMEN_BANNER, SANS_BOLD, 7)
    c.setFillColor(WHITE)  # over the crop mark of the middle cut
    c.rect((TRIM_W - width) / 2 - 2, TRIM_H + BLEED + 1 * mm, width + 4, 9, stroke=0, fill=1)
    c.setFillColor(SPECIMEN_RED)
    c.drawCentredString(TRIM_W / 2, TRIM_H + BLEED + 1.5 * mm, SPECIMEN_BANNER)


def specimen_over_cover(c: Canvas) -> None:
    """Over everything on the cover: a red band with the banner, an outlined SPECIMEN."""
    c.saveState()
    c.setFillColor(SPECIMEN_RED)
    c.rect(-BLEED, TRIM_H - 19 * mm, TRIM_W + 2 * BLEED, 9 * mm, stroke=0, fill=1)
    c.setFillColor(WHITE)
    c.setFont(SANS_BOLD, 8.5)
    c.drawCentredString(TRIM_W / 2, TRIM_H - 15.6 * mm, SPECIMEN_BANNER.split(". ")[0] + ".")
    c.setStrokeColor(SPECIMEN_RED)
    c.setLineWidth(1.2)
    c.translate(TRIM_W / 2, TRIM_H / 2)
    c.rotate(55)
    text = c.beginText(-stringWidth(SPECIMEN_MARK, SANS_BOLD, 60) / 2, -20)
    text.setFont(SANS_BOLD, 60)
    text.setTextRenderMode(1)  # outline only: what is under it stays readable
    text.textOut(SPECIMEN_MARK)
    c.drawText(text)
    c.restoreState()
