"""The fonts every printed document embeds: DejaVu Sans (regular, bold) and DejaVu Sans
Mono, shipped in ``voucher/documents/fonts/`` with their licence (Bitstream Vera licence:
free to redistribute as part of a larger package). They carry €, French accents and the
narrow no-break space used by money formatting. reportlab embeds the subset it uses, so a
printer's RIP never substitutes a font and the code digits always look the same."""

from __future__ import annotations

from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

FONT_DIR = Path(__file__).resolve().parent / "fonts"
SANS = "DejaVuSans"
SANS_BOLD = "DejaVuSans-Bold"
MONO = "DejaVuSansMono"
_FILES = {SANS: "DejaVuSans.ttf", SANS_BOLD: "DejaVuSans-Bold.ttf", MONO: "DejaVuSansMono.ttf"}


def ensure_fonts() -> None:
    """Register the fonts with reportlab once per process (idempotent)."""
    known = set(pdfmetrics.getRegisteredFontNames())
    for name, filename in _FILES.items():
        if name not in known:
            pdfmetrics.registerFont(TTFont(name, str(FONT_DIR / filename)))
    # lets Paragraph markup <b> pick the bold face
    pdfmetrics.registerFontFamily(
        SANS, normal=SANS, bold=SANS_BOLD, italic=SANS, boldItalic=SANS_BOLD
    )
