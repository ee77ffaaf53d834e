"""Vector barcodes for reportlab: Code 128 from python-barcode's encoding, QR from
reportlab's own widget. Both carry exactly the text given (a voucher's 24 digits, no
separator), so a USB scanner types the code and Enter, nothing else.

Rules kept:

* bars are filled rectangles in the PDF (no bitmap): they stay sharp at any print
  resolution and a RIP cannot resample them;
* the module (narrowest bar) is 0.33 mm by default, the "13 mil" that cheap CCD and laser
  handheld scanners read at the reception desk; 24 digits in code set C take 167 modules,
  5.5 cm;
* a quiet zone of 10 modules (the Code 128 minimum) is kept white on each side, and the
  caller must leave it free;
* bar height defaults to 12 mm (over 20 % of the symbol's width, enough for a hand sweep);
* python-barcode up to 0.16.1 drops a leading "99" in code set C (its start-code
  optimisation mistakes the digit pair 99 for "switch to C", upstream issue
  WhyNotHugo/python-barcode#251, fixed by PR #263): about one voucher code in a hundred.
  :class:`_Code128` applies the upstream fix, and a digits-only text is checked to encode
  as start C followed by its digit pairs.
"""

from __future__ import annotations

from barcode.charsets import code128 as tables
from barcode.codex import Code128
from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.colors import CMYKColor
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

MODULE = 0.33 * mm
BAR_HEIGHT = 12 * mm
QUIET_MODULES = 10


class _Code128(Code128):
    def _try_to_optimize(self, encoded: list[int]) -> list[int]:
        # fold START_C + switch to A/B into START_A/B only: 99 right after START_C is data
        if len(encoded) > 1 and encoded[1] in (tables.C["TO_A"], tables.C["TO_B"]):
            encoded[:2] = [tables.TO[encoded[1]]]
        return encoded


def code128_modules(text: str) -> str:
    """The symbol as a string of ``1`` (bar) and ``0`` (space) modules, start, check
    character and stop included (code set C for digits)."""
    symbol = _Code128(text)
    encoded = symbol._build()
    if text.isdigit() and len(text) % 2 == 0:
        pairs = [int(text[i : i + 2]) for i in range(0, len(text), 2)]
        if encoded != [tables.START_CODES["C"], *pairs]:
            raise ValueError(f"Code 128 encoding of {text!r} is wrong")
    # what python-barcode's build() does, without encoding the text a second time
    values = [*encoded, symbol._calculate_checksum(encoded)]
    return "".join(tables.CODES[v] for v in values) + tables.STOP + "11"


def bar_runs(modules: str) -> list[tuple[int, int]]:
    """``(first module, width in modules)`` of each bar."""
    runs: list[tuple[int, int]] = []
    start = -1
    for i, bit in enumerate(modules + "0"):
        if bit == "1" and start < 0:
            start = i
        elif bit != "1" and start >= 0:
            runs.append((start, i - start))
            start = -1
    return runs


def symbol_width(modules: str, module: float = MODULE, *, quiet: bool = True) -> float:
    """Width in points of a symbol, quiet zones included unless ``quiet`` is false."""
    return (len(modules) + (2 * QUIET_MODULES if quiet else 0)) * module


def code128_width(text: str, module: float = MODULE, *, quiet: bool = True) -> float:
    return symbol_width(code128_modules(text), module, quiet=quiet)


def draw_code128(
    canvas: Canvas,
    text: str,
    x: float,
    y: float,
    *,
    module: float = MODULE,
    height: float = BAR_HEIGHT,
    modules: str | None = None,
) -> float:
    """Draw the symbol with its left quiet zone starting at ``x``; return the total width
    (quiet zones included). Only the bars are painted: the page behind must be white.

    The bars are written in module units under a scaling transform (``n 0 w 1 re``), so
    every edge falls exactly on a multiple of the module, whatever the decimals."""
    modules = modules or code128_modules(text)
    canvas.saveState()
    canvas.setFillColorCMYK(0, 0, 0, 1)  # 100 % K: never four-colour black
    canvas.transform(module, 0, 0, height, x + QUIET_MODULES * module, y)
    canvas.addLiteral(
        " ".join(f"{start} 0 {width} 1 re" for start, width in bar_runs(modules)) + " f"
    )
    canvas.restoreState()
    return symbol_width(modules, module)


def draw_qr(canvas: Canvas, text: str, x: float, y: float, size: float) -> None:
    """A QR code (level M, 4-module quiet zone inside ``size``) carrying ``text``."""
    widget = QrCodeWidget(text, barLevel="M", barBorder=4, barFillColor=CMYKColor(0, 0, 0, 1))
    x0, y0, x1, y1 = widget.getBounds()
    drawing = Drawing(size, size, transform=[size / (x1 - x0), 0, 0, size / (y1 - y0), 0, 0])
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, x, y)
