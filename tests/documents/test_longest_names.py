"""Covers and vouchers printed with the longest real names (tests/documents/
longest_names.py): nothing cut, every text inside its box, measured on the rendered PDF
(pdfium's character boxes), the cover at 14 points or more."""

from __future__ import annotations

import re
from datetime import date

import pypdfium2 as pdfium
from reportlab.lib.units import mm

from tests.documents import longest_names as real
from tests.documents import print_world as pw
from voucher.documents import print_package
from voucher.documents.carnet_cover import LEFT, MIN_BODY
from voucher.documents.carnet_layout import SLUG, TRIM_W, grid_for
from voucher.documents.carnet_pdf import BookSheet
from voucher.domain import codes
from voucher.domain.printing import CarnetInfo, with_article

MARGIN = 2.5 * mm  # from every cut: the counterfoil's texts sit 3 mm in
INK = 0.5 * mm  # a glyph's ink may overhang its origin a little (the hook of a bold "J")


def _info(funders: tuple[str, ...] = real.FUNDERS) -> CarnetInfo:
    return CarnetInfo(
        programme=real.PROGRAMME,
        funders=funders,
        face_value_cents=2000,
        vouchers_per_book=10,
        valid_until=date(2099, 12, 31),
        accepted_until=date(2100, 1, 31),
        places=real.places(),
    )


def _render(info: CarnetInfo) -> bytes:
    book = BookSheet(104217, tuple((p, codes.generate()) for p in range(1, 11)))
    return print_package.render_pdf([book], info)


def _chars(data: bytes, page: int, smallest: float = 5.0):
    """(char, x0, y0, x1, y1) in trim coordinates, characters of at least ``smallest`` pt
    (the security microtext is 2 pt and runs on under its clip on purpose)."""
    import pypdfium2.raw as raw

    text = pdfium.PdfDocument(data)[page].get_textpage()
    for i in range(text.count_chars()):
        ch = text.get_text_range(i, 1)
        if ch.strip() and raw.FPDFText_GetFontSize(text.raw, i) >= smallest:
            x0, y0, x1, y1 = text.get_charbox(i)
            yield ch, x0 - SLUG, y0 - SLUG, x1 - SLUG, y1 - SLUG


def _without_stub_codes(text: str) -> str:
    """The counterfoil shows a code's last four digits as "…1811": not a cut text."""
    return re.sub(r"…\d{4}", "", text)


def test_the_cover_prints_the_longest_real_names_whole_and_inside_its_text_box():
    data = _render(_info())
    front, back = pw.page_texts(data)[:2]
    assert real.PROGRAMME in front and "…" not in front + back
    assert all(with_article(f) in back for f in real.FUNDERS)
    shown = [name for name in real.STRUCTURES if name in back]
    assert len(shown) >= 3 and shown == list(real.STRUCTURES[: len(shown)])  # whole, in order
    assert "COSNE-COURS-SUR-LOIRE" in back and "samedi : 9 h 00 – 12 h 00" in back
    for side in (0, 1):
        assert min(pw.font_sizes(data, side)) >= MIN_BODY
        outside = [
            c
            for c, x0, _, x1, _ in _chars(data, side)
            if x0 < LEFT - INK or x1 > TRIM_W - LEFT + INK
        ]
        assert outside == [], side


def test_vouchers_print_the_longest_real_names_whole_and_inside_their_cells():
    data = _render(_info())
    vouchers = _without_stub_codes(pw.page_texts(data)[2])
    assert "…" not in vouchers
    assert vouchers.count(real.PROGRAMME) == 10
    funded = "Financé par " + ", ".join(with_article(f) for f in real.FUNDERS[:-1])
    assert vouchers.count(funded + " et " + with_article(real.FUNDERS[-1])) == 10
    grid = grid_for(10)
    for ch, x0, y0, x1, y1 in _chars(data, 2):
        col = int(((x0 + x1) / 2) // grid.cell_w)
        row = int(((y0 + y1) / 2) // grid.cell_h)
        left, bottom = col * grid.cell_w, row * grid.cell_h
        assert left + MARGIN <= x0 and x1 <= left + grid.cell_w - MARGIN, ch
        assert bottom + MARGIN <= y0 and y1 <= bottom + grid.cell_h - MARGIN, ch


def test_too_many_long_funders_are_named_whole_then_counted_never_cut():
    funders = (*real.FUNDERS, *real.STRUCTURES[:3])
    data = _render(_info(funders))
    vouchers = _without_stub_codes(pw.page_texts(data)[2])
    assert "…" not in vouchers and "(voir la couverture)" in vouchers
    named = [f for f in funders if with_article(f) in vouchers]
    assert named == list(funders[: len(named)]) and named  # the first ones, whole
    more = len(funders) - len(named)
    assert f"{more} autre{'s' if more > 1 else ''} financeur" in vouchers
    back = pw.page_texts(data)[1]
    assert all(with_article(f) in back for f in funders)  # the cover names them all
