"""The vector barcodes scan back to exactly the code, with no database involved."""

from __future__ import annotations

import io

import pypdfium2 as pdfium
import zxingcpp
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from voucher.documents import barcodes
from voucher.domain import codes

EDGE_CODES = [
    "99" + codes.generate()[2:],
    "9" * 24,
    "0" * 24,
    "00" + codes.generate()[2:],
    codes.specimen(1),
    "991234",
]


def _page_with(texts: list[str], *, qr: bool = False) -> bytes:
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    for i, text in enumerate(texts):
        x, y = 20 * mm + (i % 2) * 100 * mm, A4[1] - 40 * mm - (i // 2) * 22 * mm
        barcodes.draw_code128(canvas, text, x, y)
        if qr:
            barcodes.draw_qr(canvas, text, x + 70 * mm, y, 18 * mm)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _decode(data: bytes, fmt: zxingcpp.BarcodeFormat, dpi: int = 200) -> list[str]:
    image = pdfium.PdfDocument(data)[0].render(scale=dpi / 72, grayscale=True).to_pil()
    found = zxingcpp.read_barcodes(image, formats=fmt)
    found.sort(key=lambda r: (r.position.top_left.y // 20, r.position.top_left.x))
    return [r.text for r in found]


def test_random_and_edge_codes_scan_back_exactly():
    texts = [codes.generate() for _ in range(16)] + EDGE_CODES
    assert _decode(_page_with(texts), zxingcpp.BarcodeFormat.Code128) == texts


def test_a_code_starting_with_99_keeps_its_first_digits():
    # python-barcode <= 0.16.1 turns "99…" into a start code and drops the pair (python-barcode#251)
    text = "99" + "1" * 22
    assert len(barcodes.code128_modules(text)) == len(barcodes.code128_modules("1" * 24)) == 167
    assert _decode(_page_with([text]), zxingcpp.BarcodeFormat.Code128) == [text]


def test_the_symbol_has_the_size_a_desk_scanner_reads():
    code = codes.generate()
    assert abs(barcodes.MODULE - 0.33 * mm) < 1e-9
    # start C, 12 digit pairs, check character (11 modules each), stop (13), 10-module quiet zones
    assert barcodes.code128_width(code) == (11 * 14 + 13 + 20) * barcodes.MODULE
    assert 60 * mm < barcodes.code128_width(code) < 63 * mm


def test_bars_are_drawn_as_rectangles_from_the_module_pattern():
    runs = barcodes.bar_runs("1101001110011")
    assert runs == [(0, 2), (3, 1), (6, 3), (11, 2)]


def test_the_qr_code_carries_the_same_text():
    texts = [codes.generate() for _ in range(4)]
    data = _page_with(texts, qr=True)
    assert sorted(_decode(data, zxingcpp.BarcodeFormat.QRCode)) == sorted(texts)
    assert _decode(data, zxingcpp.BarcodeFormat.Code128) == texts
