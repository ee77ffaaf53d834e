"""Geometry and colours of the carnet PDF, the layout a print shop's prepress accepts.

Rules kept:

* every page is an A4 **trim** (210 × 297 mm, ``TrimBox``) with 3 mm of **bleed**
  (``BleedBox``) and a 9 mm slug around it for the crop marks (``MediaBox``); whatever
  touches the trim (backgrounds, the cover's band) runs on into the bleed;
* the vouchers tile the trim with no margin: the print shop cuts them on the guillotine
  along the grid; texts keep a safe distance of at least 3.5 mm from every cut;
* the grid fits the book: 2 columns and as many rows (5, 4 or 3) as divide the number of
  vouchers per book, so a 10-voucher book fills exactly one sheet side (2 × 5,
  105 × 59.4 mm) with no blank slot; a size nothing divides falls back to 2 × 5;
* each voucher has a **counterfoil** (souche, 24 mm on the left, behind a perforation line):
  carnet, position and the code's last digits, kept by the prescriber or the structure;
* colours are CMYK only; barcodes and texts are 100 % K (never four-colour black, which a
  misregistered press would blur): :data:`K`;
* the bar module is 0.40 mm when the voucher has room for the symbol (it has on the 2-column
  grid: 74.8 mm with its quiet zones), else 0.33 mm, never less. 0.40 rather than 0.38:
  rendered at exactly 150 dpi (2.24 pixels per module) a 0.38 mm symbol aliases and about
  one in twenty fails to decode, while 0.36, 0.40 and 0.42 mm all decode (measured with
  pdfium and zxing-cpp on 300 vouchers).
"""

from __future__ import annotations

from dataclasses import dataclass

from reportlab.lib.colors import CMYKColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth

from voucher.documents import barcodes

TRIM_W, TRIM_H = A4
BLEED = 3 * mm
SLUG = 9 * mm
PAGE_W, PAGE_H = TRIM_W + 2 * SLUG, TRIM_H + 2 * SLUG
COLUMNS = 2
STUB_W = 24 * mm
SAFE = 3.5 * mm
MODULES = (0.40 * mm, 0.33 * mm)
SYMBOL_MODULES = 167 + 2 * barcodes.QUIET_MODULES  # start C + 12 pairs + check + stop

K = CMYKColor(0, 0, 0, 1)
WHITE = CMYKColor(0, 0, 0, 0)
GREY = CMYKColor(0, 0, 0, 0.45)
ACCENT = CMYKColor(0.9, 0.25, 0.35, 0.35)
SECURITY = CMYKColor(0.16, 0.02, 0.06, 0)  # light: bars and texts keep their contrast
MICROTEXT = CMYKColor(0.3, 0.05, 0.1, 0)
SPECIMEN_INK = CMYKColor(0, 0.45, 0.3, 0)  # light red, under the content
SPECIMEN_RED = CMYKColor(0, 0.95, 0.85, 0.1)


@dataclass(frozen=True)
class Grid:
    """How one book's vouchers sit on a page."""

    rows: int

    @property
    def per_page(self) -> int:
        return COLUMNS * self.rows

    @property
    def cell_w(self) -> float:
        return TRIM_W / COLUMNS

    @property
    def cell_h(self) -> float:
        return TRIM_H / self.rows

    @property
    def body_w(self) -> float:
        return self.cell_w - STUB_W

    def origin(self, slot: int) -> tuple[float, float]:
        """Bottom-left corner (trim coordinates) of slot 0.., left to right, top to bottom."""
        col, row = slot % COLUMNS, slot // COLUMNS
        return col * self.cell_w, TRIM_H - (row + 1) * self.cell_h

    def mirrored(self, slot: int) -> int:
        """The slot on the back of the sheet behind ``slot`` (long-edge duplex)."""
        col, row = slot % COLUMNS, slot // COLUMNS
        return row * COLUMNS + (COLUMNS - 1 - col)

    @property
    def module(self) -> float:
        room = self.body_w - 2 * 2 * mm
        return next((m for m in MODULES if SYMBOL_MODULES * m <= room), MODULES[-1])


def grid_for(per_book: int) -> Grid:
    """2 × 5, 2 × 4 or 2 × 3, the first that holds whole pages of the book."""
    for rows in (5, 4, 3):
        if per_book % (COLUMNS * rows) == 0:
            return Grid(rows)
    return Grid(5)


def pages_per_book(per_book: int) -> int:
    """Cover (recto, verso) then each voucher page and its back: always even (duplex)."""
    grid = grid_for(per_book)
    return 2 + 2 * -(-per_book // grid.per_page)


def fit_text(
    text: str, font: str, size: float, width: float, *, smallest: float = 6
) -> tuple[str, float]:
    """Shrink ``text`` down to ``smallest`` points to fit ``width``, then cut it with "…"."""
    while size > smallest and stringWidth(text, font, size) > width:
        size -= 0.5
    if stringWidth(text, font, size) <= width:
        return text, size
    while text and stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…", size


def fit_lines(
    text: str, font: str, size: float, width: float, *, lines: int = 2, smallest: float = 6
) -> tuple[list[str], float]:
    """Wrap ``text`` on at most ``lines`` lines, shrinking down to ``smallest`` points; the
    last line is cut with "…" only if even that is not enough."""
    while True:
        wrapped = simpleSplit(text, font, size, width) or [""]
        if len(wrapped) <= lines or size <= smallest:
            break
        size -= 0.5
    if len(wrapped) > lines:
        last, _ = fit_text(" ".join(wrapped[lines - 1 :]), font, size, width, smallest=size)
        wrapped = [*wrapped[: lines - 1], last]
    return [
        fit_text(line, font, size, width, smallest=size)[0] for line in wrapped
    ], size  # unbreakable words
