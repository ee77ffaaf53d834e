"""The carnet PDF: per book, a cover (front and back), then its vouchers, each page of
vouchers followed by its back, laid out for a print shop (:mod:`carnet_layout`).

Rules kept:

* each voucher shows the programme and its funders, the face value, the validity date,
  "chèque 3/10 — carnet 004217", the code in groups of 4, a vector Code 128 barcode of
  the bare 24 digits in 100 % K on white (optionally a QR code with the same text) and
  "Accepté uniquement dans les lieux labellisés"; its counterfoil (souche) repeats the
  carnet, the position and the code's last four digits;
* a book always starts on a new sheet and takes an even number of pages (cover front and
  back, each voucher page and its back), so a duplex job never mixes two books on a sheet;
* everything shared by the books of a batch (cover texts, voucher frame and background,
  crop marks, the backs, the specimen marks) is drawn once as a PDF form and reused;
* a proof carries a specimen mark in every voucher cell and over its cover
  (:mod:`carnet_art`);
* output is deterministic (reportlab's invariant mode) and CMYK only (reportlab refuses
  any other colour in this canvas);
* fonts are embedded (:mod:`voucher.documents.fonts`).

The writer draws what it is given, one book at a time; memory is bounded by one PDF (see
:mod:`voucher.documents.print_package` for large batches).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import BinaryIO

from reportlab import rl_config
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from voucher.documents import barcodes, carnet_art, carnet_cover, pdfx
from voucher.documents.carnet_layout import (
    ACCENT,
    GREY,
    PAGE_H,
    PAGE_W,
    SLUG,
    STUB_W,
    SYMBOL_MODULES,
    TRIM_W,
    WHITE,
    K,
    fit_lines,
    fit_text,
    grid_for,
)
from voucher.documents.fonts import MONO, SANS, SANS_BOLD, ensure_fonts
from voucher.domain import codes
from voucher.domain.printing import ACCEPTED_ONLY, CarnetInfo, book_label, short_date

A4 = (TRIM_W, PAGE_H - 2 * SLUG)
_DEFAULT = grid_for(10)
PER_PAGE, CELL_W, CELL_H = _DEFAULT.per_page, _DEFAULT.cell_w, _DEFAULT.cell_h
PAD = 4 * mm
BODY_X = STUB_W + PAD
QR_SIZE = 18 * mm
BAR_HEIGHT = 9 * mm
BAR_BOTTOM = 36.0 + 2 * mm  # above the funders' lines (up to three) and the acceptance line
CODE_SIZE = 11


def cell_origin(slot: int) -> tuple[float, float]:
    """Bottom-left corner (trim coordinates) of slot 0.. on the 10-voucher grid."""
    return _DEFAULT.origin(slot)


@dataclass(frozen=True)
class BookSheet:
    """One book to print: its serial and its vouchers ``(position, code)`` in order."""

    serial: int
    vouchers: tuple[tuple[int, str], ...]
    replaces: int | None = None


@contextmanager
def binary_streams() -> Iterator[None]:
    """Deflate streams without reportlab's default ASCII85 layer (a quarter larger, and
    slow in pure Python). reportlab reads this global when forms end and when the file is
    written, so it is set only around those two moments and restored."""
    saved = rl_config.useA85
    rl_config.useA85 = 0
    try:
        yield
    finally:
        rl_config.useA85 = saved


class CarnetWriter:
    """Writes books to one PDF. ``close()`` writes the file to ``out``."""

    def __init__(
        self,
        out: BinaryIO,
        info: CarnetInfo,
        *,
        specimen: bool = False,
        qr: bool = False,
        title: str = "Carnets",
    ) -> None:
        ensure_fonts()
        self.info, self.specimen, self.qr = info, specimen, qr
        self.grid = grid_for(info.vouchers_per_book)
        self.module = self.grid.module
        self.pages = 0
        self.c = Canvas(
            out,
            pagesize=(PAGE_W, PAGE_H),
            invariant=1,
            pageCompression=1,
            initialFontName=SANS,
            enforceColorSpace="cmyk",
            pdfVersion=pdfx.PDF_VERSION,
            **carnet_art.boxes(),
        )
        self.c.setTitle(title)
        self.c.setAuthor("Registre ouvert des pass numériques")
        self.c.setSubject(info.programme)
        pdfx.prepress(self.c, title, info.programme)
        with binary_streams():
            self._define_forms()

    # -- shared parts, drawn once per PDF --------------------------------------------
    def _define_forms(self) -> None:
        c, g = self.c, self.grid
        outer = (-SLUG, -SLUG, TRIM_W + SLUG, A4[1] + SLUG)
        # the guilloche is thousands of path points: drawn once per size, reused by the
        # voucher's face and by each cell of the backs
        for name, width in (("security_body", g.body_w), ("security_cell", g.cell_w)):
            c.beginForm(name, 0, 0, width, g.cell_h)
            carnet_art.security(c, width, g.cell_h, self.info.programme)
            c.endForm()
        for name, draw in (
            ("marks", lambda: carnet_art.crop_marks(c, g)),
            ("cover_marks", lambda: carnet_art.crop_marks(c, None)),
            ("cover", lambda: carnet_cover.front(c, self.info)),
            ("cover_back", lambda: carnet_cover.back(c, self.info)),
            ("back", self._vouchers_back),
        ):
            c.beginForm(name, *outer)
            draw()
            c.endForm()
        c.beginForm("cell", 0, 0, g.cell_w, g.cell_h)
        self._cell_static()
        c.endForm()

    def _text_width(self, beside_qr: bool) -> float:
        width = self.grid.body_w - 2 * PAD
        return width - QR_SIZE - 2 * mm if self.qr and beside_qr else width

    def _cell_static(self) -> None:
        """The voucher's fixed parts: background, counterfoil, programme, value, funders."""
        c, info, h = self.c, self.info, self.grid.cell_h
        c.saveState()
        c.translate(STUB_W, 0)
        c.doForm("security_body")
        c.restoreState()
        if self.specimen:
            carnet_art.specimen_cell(c, self.grid.cell_w, h)
        carnet_art.stub_line(c, h)
        c.setFillColor(ACCENT)
        c.rect(STUB_W, h - 2.6 * mm, self.grid.body_w, 1.4 * mm, stroke=0, fill=1)
        lines, size = fit_lines(
            info.programme, SANS_BOLD, 9, self._text_width(False), lines=3, smallest=6
        )
        c.setFont(SANS_BOLD, size)
        for i, line in enumerate(lines):
            c.drawString(BODY_X, h - 16 - i * (size + 1), line)
        c.setFillColor(K)
        c.setFont(SANS_BOLD, 18)
        c.drawString(BODY_X, 114, info.face_value)
        c.setFont(SANS, 8)
        c.drawString(BODY_X, 102, f"Valable jusqu'au {short_date(info.valid_until)}")
        lines, size = self._funders_lines()
        c.setFont(SANS, size)
        for i, line in enumerate(lines):  # top line first: text is read in order
            c.drawString(BODY_X, 19 + (len(lines) - 1 - i) * (size + 1), line)
        c.setFont(SANS, 7)
        c.drawString(BODY_X, 10, ACCEPTED_ONLY)
        c.setFillColor(GREY)
        c.setFont(SANS_BOLD, 6.5)
        c.drawString(3 * mm, h - 12, "SOUCHE")
        c.setFont(SANS, 6)
        for i, line in enumerate(("À garder par le", "prescripteur ou", "le lieu.", "Remis le :")):
            c.drawString(3 * mm, 36 - i * 7.5, line)
        c.setFillColor(K)

    def _funders_lines(self) -> tuple[list[str], float]:
        """The funders on two lines (7 down to 6 pt), else three at 6 pt, else the first
        funders in full and how many more: never a cut name."""
        width = self._text_width(False)
        info = self.info
        for text in (info.funded_by, *(info.funded_by_shorter() if info.funders else ())):
            for lines, largest in ((2, 7.0), (3, 6.0)):
                wrapped, size = fit_lines(text, SANS, largest, width, lines=lines)
                if not any(line.endswith("…") for line in wrapped) or not text:
                    return wrapped, size
        return wrapped, size

    def _vouchers_back(self) -> None:
        """The back of a voucher page: each voucher's back says what it is, lightly."""
        c, g = self.c, self.grid
        for slot in range(g.per_page):
            x, y = g.origin(g.mirrored(slot))
            c.saveState()
            c.translate(x, y)
            c.doForm("security_cell")
            c.setFillColor(ACCENT)
            c.setFont(SANS_BOLD, 9)
            c.drawCentredString(g.cell_w / 2, g.cell_h / 2 + 4, "Pass numérique")
            c.setFont(SANS, 7)
            c.drawCentredString(
                g.cell_w / 2, g.cell_h / 2 - 8, "Valable une seule fois, avec son code au recto."
            )
            c.restoreState()

    # -- per book -----------------------------------------------------------------
    def add_book(self, book: BookSheet) -> None:
        self._cover(book)
        per_page = self.grid.per_page
        for start in range(0, len(book.vouchers), per_page):
            self._page_start("marks")
            for slot, (position, code) in enumerate(book.vouchers[start : start + per_page]):
                self._voucher(slot, book.serial, position, code)
            if self.specimen:
                carnet_art.specimen_banner(self.c)
            self._page_end()
            self._page_start("marks")
            self.c.doForm("back")
            if self.specimen:
                carnet_art.specimen_banner(self.c)
            self._page_end()

    def _page_start(self, marks: str) -> None:
        self.c.saveState()
        self.c.translate(SLUG, SLUG)
        self.c.doForm(marks)
        self.c.setFillColor(K)

    def _page_end(self) -> None:
        self.c.restoreState()
        self.c.showPage()
        self.pages += 1

    def _cover(self, book: BookSheet) -> None:
        c = self.c
        self._page_start("cover_marks")
        c.doForm("cover")
        carnet_cover.serial_box(
            c,
            f"Carnet n° {book_label(book.serial)}",
            f"{len(book.vouchers)} chèques de {self.info.face_value}",
            book_label(book.replaces) if book.replaces is not None else None,
        )
        if self.specimen:
            carnet_art.specimen_over_cover(c)
        self._page_end()
        self._page_start("cover_marks")
        c.doForm("cover_back")
        if self.specimen:
            carnet_art.specimen_over_cover(c)
        self._page_end()

    def _voucher(self, slot: int, serial: int, position: int, code: str) -> None:
        c, g = self.c, self.grid
        x, y = g.origin(slot)
        h = g.cell_h
        c.saveState()
        c.translate(x, y)
        c.doForm("cell")
        c.setFillColor(K)
        label = f"chèque {position}/{self.info.vouchers_per_book} — carnet {book_label(serial)}"
        text, size = fit_text(label, SANS_BOLD, 8.5, self._text_width(True))
        c.setFont(SANS_BOLD, size)
        c.drawString(BODY_X, 89, text)
        c.setFont(MONO, CODE_SIZE)
        c.drawString(BODY_X, BAR_BOTTOM + BAR_HEIGHT + 6, codes.format_code(code))
        self._stub(h, serial, position, code)
        modules = barcodes.code128_modules(code)
        width = barcodes.symbol_width(modules, self.module)
        left = STUB_W + (g.body_w - width) / 2
        c.setFillColor(WHITE)  # the quiet zones stay white, whatever is behind
        c.rect(left, BAR_BOTTOM - 1 * mm, width, BAR_HEIGHT + 2 * mm, stroke=0, fill=1)
        barcodes.draw_code128(
            c, code, left, BAR_BOTTOM, height=BAR_HEIGHT, modules=modules, module=self.module
        )
        if self.qr:
            top = 84 + QR_SIZE
            c.setFillColor(WHITE)
            c.rect(g.cell_w - PAD - QR_SIZE, top - QR_SIZE, QR_SIZE, QR_SIZE, stroke=0, fill=1)
            barcodes.draw_qr(c, code, g.cell_w - PAD - QR_SIZE, top - QR_SIZE, QR_SIZE)
        c.restoreState()

    def _stub(self, h: float, serial: int, position: int, code: str) -> None:
        c = self.c
        c.setFont(SANS, 7)
        c.drawString(3 * mm, h - 24, "Carnet")
        c.setFont(SANS_BOLD, 11)
        c.drawString(3 * mm, h - 36, book_label(serial))
        text, size = fit_text(
            f"Chèque {position}/{self.info.vouchers_per_book}", SANS_BOLD, 8, STUB_W - 4.5 * mm
        )
        c.setFont(SANS_BOLD, size)
        c.drawString(3 * mm, h - 49, text)
        c.setFont(SANS, 7)
        c.drawString(3 * mm, h - 61, "Code")
        c.setFont(MONO, 9)
        c.drawString(3 * mm, h - 71, "…" + code[-4:])

    def close(self) -> None:
        with binary_streams():
            self.c.save()


assert SYMBOL_MODULES * _DEFAULT.module <= _DEFAULT.body_w  # the 0.40 mm symbol fits
