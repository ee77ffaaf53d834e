"""Builders for the printing tests: a funded world, a funder's actor, and the tools that
read a PDF back like a person and a scanner would (pypdfium2 renders pages, zxing-cpp
decodes barcodes)."""

from __future__ import annotations

import hashlib
import io
import os
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium
import zxingcpp
from sqlalchemy import select
from sqlalchemy.orm import Session

from tests import factories as f
from voucher.db.models import Book, Voucher
from voucher.documents.carnet_layout import SLUG
from voucher.documents.carnet_pdf import CELL_H
from voucher.services.context import Actor
from voucher.services.printing import approval, production

ROOT = Path(__file__).resolve().parents[2]
DPI = 200  # 2.6 pixels per 0.33 mm module: what a cheap office scanner would see
CODE_TEXT = re.compile(r"\b\d{4}(?: \d{4}){5}\b")


@dataclass
class Printing:
    world: f.World
    funder: Actor

    @property
    def batch_id(self) -> int:
        return self.world.batch.id


def funder_actor(world: f.World) -> Actor:
    return Actor(
        label="Camille (Fondation A)",
        user_id=None,
        organisation_id=world.funder_a.id,
        role="funder",
    )


def world(session: Session, *, books: int = 3, **overrides: object) -> Printing:
    w = f.world(session, books=books, **overrides)
    return Printing(w, funder_actor(w))


def approve(session: Session, p: Printing, *, qr: bool = False) -> bytes:
    proof = production.proof(session, p.funder, p.batch_id, qr=qr)
    data = b"".join(proof.chunks())
    approval.approve_proof(session, p.funder, p.batch_id, hashlib.sha256(data).hexdigest())
    return data


def batch_codes(session: Session, batch_id: int) -> list[str]:
    return list(
        session.scalars(
            select(Voucher.code)
            .join(Book, Book.id == Voucher.book_id)
            .where(Book.batch_id == batch_id)
            .order_by(Book.serial, Voucher.position)
        )
    )


def pdf_pages(data: bytes) -> int:
    return len(pdfium.PdfDocument(data))


def decode_pages(
    data: bytes, fmt: zxingcpp.BarcodeFormat = zxingcpp.BarcodeFormat.Code128
) -> list[str]:
    """Every barcode of the given format, page by page, in reading order of the voucher
    grid (row by row, left to right)."""
    doc = pdfium.PdfDocument(data)
    found: list[str] = []
    row_px = CELL_H * DPI / 72
    for page in doc:
        image = page.render(scale=DPI / 72, grayscale=True).to_pil()
        results = zxingcpp.read_barcodes(image, formats=fmt)
        slug_px = SLUG * DPI / 72
        results.sort(
            key=lambda r: (int((r.position.top_left.y - slug_px) // row_px), r.position.top_left.x)
        )
        found.extend(r.text for r in results)
    return found


def page_texts(data: bytes) -> list[str]:
    """Each page's text as a reader gets it: one line, single spaces (no-break spaces and
    line breaks become plain spaces)."""
    doc = pdfium.PdfDocument(data)
    return [" ".join(page.get_textpage().get_text_range().split()) for page in doc]


def printed_codes(data: bytes) -> list[str]:
    """The human-readable codes, read from the PDF's text, digits only."""
    return [m.replace(" ", "") for text in page_texts(data) for m in CODE_TEXT.findall(text)]


def zip_parts(data: bytes) -> list[tuple[str, bytes]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return [(name, archive.read(name)) for name in archive.namelist()]


def keep_artefact(data: bytes, page: int, name: str) -> Path:
    """Save one rendered page where CI can pick it up (build/ is not versioned)."""
    folder = Path(os.environ.get("VOUCHER_TEST_ARTEFACTS", ROOT / "build" / "test-artefacts"))
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / name
    pdfium.PdfDocument(data)[page].render(scale=110 / 72).to_pil().save(target)
    return target


def font_sizes(data: bytes, page_index: int) -> list[float]:
    """The font size of every visible character of a page, as pdfium reads it."""
    import pypdfium2.raw as pdfium_c

    textpage = pdfium.PdfDocument(data)[page_index].get_textpage()
    return [
        pdfium_c.FPDFText_GetFontSize(textpage.raw, i)
        for i in range(textpage.count_chars())
        if chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, i)).strip()
    ]
