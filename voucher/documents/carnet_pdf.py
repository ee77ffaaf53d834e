"""The carnet PDF: per book, a cover page for the beneficiary, then its vouchers eight per
A4 page (2 × 4, 95 × 69 mm each) with cut marks.

Rules kept:

* each voucher shows the programme and its funders, the face value, the validity date,
  "chèque 3/10 — carnet 004217", the code in groups of 4, a vector Code 128 barcode of
  the bare 24 digits (optionally a QR code with the same text) and the line "Accepté
  uniquement dans les lieux labellisés";
* a book always starts on a new page, so books can be cut and bound separately;
* everything shared by the books of a batch (cover text, voucher frame, cut marks, the
  specimen watermark) is drawn once as a PDF form and reused: pages stay small and fast;
* a proof carries "SPECIMEN — ÉPREUVE" on every page, under the content so that its
  (never valid) specimen barcodes still scan for checking;
* output is deterministic (reportlab's invariant mode): the same batch gives the same bytes,
  so a production file's SHA-256 can be checked again later;
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
from reportlab.lib.colors import Color, black, white
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Frame, ListFlowable, ListItem, Paragraph, Spacer

from voucher.documents import barcodes
from voucher.documents.fonts import MONO, SANS, SANS_BOLD, ensure_fonts
from voucher.domain import codes
from voucher.domain.printing import (
    ACCEPTED_ONLY,
    SPECIMEN_BANNER,
    SPECIMEN_MARK,
    CarnetInfo,
    book_label,
    cover_sections,
    short_date,
    voucher_label,
)

PAGE_W, PAGE_H = A4
COLUMNS, ROWS = 2, 4
PER_PAGE = COLUMNS * ROWS
MARGIN_X, MARGIN_Y = 10 * mm, 10 * mm
CELL_W = (PAGE_W - 2 * MARGIN_X) / COLUMNS
CELL_H = (PAGE_H - 2 * MARGIN_Y) / ROWS
PAD = 5 * mm
QR_SIZE = 22 * mm
BAR_HEIGHT = 14 * mm
BAR_BOTTOM = PAD + 29  # above the footer: two lines of funders and the acceptance line
CODE_SIZE = 13
ACCENT = Color(0.043, 0.365, 0.42)
GREY = Color(0.55, 0.55, 0.55)
COVER_TEXT_TOP = 86 * mm  # below the serial box and the replacement note
WATERMARK = Color(0.98, 0.8, 0.8)  # light: the content drawn over it stays readable


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


def cell_origin(slot: int) -> tuple[float, float]:
    """Bottom-left corner of slot 0..7, filled left to right, top to bottom."""
    col, row = slot % COLUMNS, slot // COLUMNS
    return MARGIN_X + col * CELL_W, PAGE_H - MARGIN_Y - (row + 1) * CELL_H


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
        self.pages = 0
        self.c = Canvas(out, pagesize=A4, invariant=1, pageCompression=1, initialFontName=SANS)
        self.c.setTitle(title)
        self.c.setAuthor("Registre ouvert des pass numériques")
        self.c.setSubject(info.programme)
        with binary_streams():
            self._define_forms()

    # -- shared parts, drawn once per PDF --------------------------------------------
    def _define_forms(self) -> None:
        c = self.c
        c.beginForm("marks", 0, 0, PAGE_W, PAGE_H)
        self._cut_marks()
        c.endForm()
        c.beginForm("cell", 0, 0, CELL_W, CELL_H)
        self._cell_static()
        c.endForm()
        c.beginForm("cover", 0, 0, PAGE_W, PAGE_H)
        self._cover_static()
        c.endForm()
        if self.specimen:
            c.beginForm("specimen", 0, 0, PAGE_W, PAGE_H)
            self._specimen_static()
            c.endForm()

    def _cut_marks(self) -> None:
        c = self.c
        xs = [MARGIN_X + i * CELL_W for i in range(COLUMNS + 1)]
        ys = [MARGIN_Y + j * CELL_H for j in range(ROWS + 1)]
        c.setStrokeColor(black)
        c.setLineWidth(0.4)
        for x in xs:  # crop marks in the margins, clear of the vouchers
            c.line(x, 0, x, MARGIN_Y - 2 * mm)
            c.line(x, PAGE_H - MARGIN_Y + 2 * mm, x, PAGE_H)
        for y in ys:
            c.line(0, y, MARGIN_X - 2 * mm, y)
            c.line(PAGE_W - MARGIN_X + 2 * mm, y, PAGE_W, y)
        c.setStrokeColor(GREY)  # light guides for scissors
        c.setLineWidth(0.25)
        c.setDash(1, 3)
        for x in xs:
            c.line(x, ys[0], x, ys[-1])
        for y in ys:
            c.line(xs[0], y, xs[-1], y)
        c.setDash()

    def _text_width(self, top_rows: bool) -> float:
        width = CELL_W - 2 * PAD
        return width - QR_SIZE - 2 * mm if self.qr and top_rows else width

    def _cell_static(self) -> None:
        """The voucher's fixed texts. The programme and the funders may take two lines each:
        a funder's name is never cut unless it cannot fit in two lines at 6 pt."""
        c, info = self.c, self.info
        top = CELL_H - PAD
        c.setFillColor(ACCENT)
        c.rect(PAD, CELL_H - 2.2 * mm, CELL_W - 2 * PAD, 1.2 * mm, stroke=0, fill=1)
        lines, size = self._programme_lines()
        c.setFont(SANS_BOLD, size)
        for i, line in enumerate(lines):
            c.drawString(PAD, top - 9 - i * (size + 0.5), line)
        c.setFillColor(black)
        c.setFont(SANS_BOLD, 20)
        c.drawString(PAD, top - 39, info.face_value)
        c.setFont(SANS, 8.5)
        c.drawString(PAD, top - 52, f"Valable jusqu'au {short_date(info.valid_until)}")
        lines, size = fit_lines(info.funded_by, SANS, 7.5, self._text_width(False))
        c.setFont(SANS, size)
        for i, line in enumerate(reversed(lines)):
            c.drawString(PAD, PAD + 11 + i * (size + 1), line)
        c.setFont(SANS, 7.5)
        c.drawString(PAD, PAD + 2, ACCEPTED_ONLY)

    def _programme_lines(self) -> tuple[list[str], float]:
        """One line from 10 down to 8.5 pt, else two lines from 8.5 down to 7 pt."""
        name, width = self.info.programme, self._text_width(True)
        one, size = fit_lines(name, SANS_BOLD, 10, width, lines=1, smallest=8.5)
        if not one[0].endswith("…") or name.endswith("…"):
            return one, size
        return fit_lines(name, SANS_BOLD, 8.5, width, smallest=7)

    def _cover_static(self) -> None:
        c, info = self.c, self.info
        left, width = 22 * mm, PAGE_W - 44 * mm
        c.setFillColor(ACCENT)
        c.rect(0, PAGE_H - 12 * mm, PAGE_W, 12 * mm, stroke=0, fill=1)
        c.setFont(SANS_BOLD, 24)
        c.drawString(left, PAGE_H - 32 * mm, "Votre carnet de pass numériques")
        c.setFillColor(black)
        name, size = fit_text(info.programme, SANS, 15, width, smallest=10)
        c.setFont(SANS, size)
        c.drawString(left, PAGE_H - 41 * mm, name)
        c.setStrokeColor(ACCENT)
        c.setLineWidth(1.5)
        c.roundRect(left, PAGE_H - 70 * mm, width, 23 * mm, 3 * mm, stroke=1, fill=0)
        height = PAGE_H - COVER_TEXT_TOP - 14 * mm
        frame = Frame(
            left,
            14 * mm,
            width,
            height,
            leftPadding=0,
            rightPadding=0,
            topPadding=0,
            bottomPadding=0,
            showBoundary=0,
        )
        frame.addFromList(_fit_cover(c, info, width, height), c)

    def _specimen_static(self) -> None:
        c = self.c
        c.saveState()
        c.setFillColor(WATERMARK)
        c.setFont(SANS_BOLD, 54)
        c.translate(PAGE_W / 2, PAGE_H / 2)
        c.rotate(55)
        c.drawCentredString(0, -18, SPECIMEN_MARK)
        c.restoreState()
        c.setFont(SANS_BOLD, 7)
        width = stringWidth(SPECIMEN_BANNER, SANS_BOLD, 7)
        c.setFillColor(white)  # over the crop marks
        c.rect(
            (PAGE_W - width) / 2 - 2, PAGE_H - MARGIN_Y + 2.5 * mm, width + 4, 9, stroke=0, fill=1
        )
        c.setFillColor(Color(0.75, 0.05, 0.05))
        c.drawCentredString(PAGE_W / 2, PAGE_H - MARGIN_Y + 3.5 * mm, SPECIMEN_BANNER)
        c.setFillColor(black)

    # -- per book -----------------------------------------------------------------
    def add_book(self, book: BookSheet) -> None:
        self._cover(book)
        for start in range(0, len(book.vouchers), PER_PAGE):
            self._page_start(marks=True)
            for slot, (position, code) in enumerate(book.vouchers[start : start + PER_PAGE]):
                self._voucher(slot, book.serial, position, code)
            self._page_end()

    def _page_start(self, *, marks: bool = False) -> None:
        """Shared background: cut marks, then the specimen watermark, under the content."""
        if marks:
            self.c.doForm("marks")
        if self.specimen:
            self.c.doForm("specimen")

    def _page_end(self) -> None:
        self.c.showPage()
        self.pages += 1

    def _cover(self, book: BookSheet) -> None:
        c = self.c
        self._page_start()
        c.doForm("cover")
        c.setFont(SANS_BOLD, 20)
        c.drawString(28 * mm, PAGE_H - 57 * mm, f"Carnet n° {book_label(book.serial)}")
        c.setFont(SANS, 14)
        c.drawString(
            28 * mm, PAGE_H - 66 * mm, f"{len(book.vouchers)} chèques de {self.info.face_value}"
        )
        if book.replaces is not None:
            c.setFont(SANS_BOLD, 10)
            c.setFillColor(ACCENT)
            c.drawString(
                22 * mm,
                PAGE_H - 76 * mm,
                f"Ce carnet remplace le carnet n° {book_label(book.replaces)}, abîmé.",
            )
            c.drawString(
                22 * mm, PAGE_H - 81 * mm, "Les chèques de l'ancien carnet ne sont plus valables."
            )
            c.setFillColor(black)
        self._page_end()

    def _voucher(self, slot: int, serial: int, position: int, code: str) -> None:
        c = self.c
        x, y = cell_origin(slot)
        c.saveState()
        c.translate(x, y)
        c.doForm("cell")
        top = CELL_H - PAD
        c.setFont(SANS_BOLD, 9)
        c.drawString(PAD, top - 64, voucher_label(position, self.info.vouchers_per_book, serial))
        c.setFont(MONO, CODE_SIZE)
        c.drawString(PAD, top - 82, codes.format_code(code))
        quiet = barcodes.QUIET_MODULES * barcodes.MODULE
        modules = barcodes.code128_modules(code)
        c.setFillColor(white)  # the quiet zones must stay white, whatever is behind
        c.rect(
            PAD - quiet, BAR_BOTTOM, barcodes.symbol_width(modules), BAR_HEIGHT, stroke=0, fill=1
        )
        barcodes.draw_code128(c, code, PAD - quiet, BAR_BOTTOM, height=BAR_HEIGHT, modules=modules)
        if self.qr:
            barcodes.draw_qr(c, code, CELL_W - PAD - QR_SIZE, top - QR_SIZE + 2, QR_SIZE)
        c.restoreState()

    def close(self) -> None:
        with binary_streams():
            self.c.save()


def _cover_flowables(info: CarnetInfo, size: float) -> list[Flowable]:
    body = ParagraphStyle(
        "body", fontName=SANS, fontSize=size, leading=size * 1.3, alignment=TA_LEFT
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
    for section in cover_sections(info):
        out.append(Paragraph(section.title, head))
        paragraphs = [Paragraph(_escape(line), body) for line in section.lines]
        if section.numbered:
            out.append(
                ListFlowable(
                    [ListItem(p) for p in paragraphs],
                    bulletType="1",
                    bulletFontName=SANS_BOLD,
                    bulletFontSize=size,
                    leftIndent=size * 1.4,
                )
            )
        else:
            out.extend(paragraphs)
    out.append(Spacer(1, 1))
    return out


def _fit_cover(canvas: Canvas, info: CarnetInfo, width: float, height: float) -> list[Flowable]:
    """The largest type (15 pt down to 9 pt) at which the whole cover text fits."""
    size = 15.0
    while True:
        flowables = _cover_flowables(info, size)
        needed = sum(
            f.wrapOn(canvas, width, height)[1] + f.getSpaceBefore() + f.getSpaceAfter()
            for f in flowables
        )
        if needed <= height or size <= 9:
            return flowables
        size -= 0.5


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
