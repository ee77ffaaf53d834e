"""Print files streamed part by part, so that memory does not grow with the batch.

reportlab keeps every finished page of a canvas in memory until ``save()`` (each page's
content stream stays in its document object, and the whole file is assembled at the end):
one canvas for 10,000 books would hold some 30,000 pages. So:

* up to :data:`PART_BOOKS` books, the print file is **one PDF**;
* above, it is a **ZIP of PDFs** of at most :data:`PART_BOOKS` books each, named by their
  first and last book serial (``carnets-004001-004500.pdf``), in serial order. Each part is
  rendered, written into the archive and released before the next one starts; the archive
  is written to a non-seekable stream (entries use data descriptors), so it can go straight
  to an HTTP response. Parts are stored uncompressed: their pages are already deflated.

Both are deterministic (fixed dates in the archive, reportlab's invariant mode), so the
SHA-256 of a batch's production file is reproducible.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Iterator
from itertools import islice

from voucher.documents.carnet_pdf import BookSheet, CarnetWriter
from voucher.domain.printing import CarnetInfo

PART_BOOKS = 500
PDF = "application/pdf"
ZIP = "application/zip"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def media_type(total_books: int, part_books: int = PART_BOOKS) -> str:
    return PDF if total_books <= part_books else ZIP


def extension(total_books: int, part_books: int = PART_BOOKS) -> str:
    return ".pdf" if media_type(total_books, part_books) == PDF else ".zip"


class _Sink:
    """A write-only, non-seekable byte sink drained between parts."""

    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def close(self) -> None:
        pass

    def drain(self) -> bytes:
        data = b"".join(self._chunks)
        self._chunks.clear()
        return data


def render_pdf(
    books: Iterable[BookSheet],
    info: CarnetInfo,
    *,
    specimen: bool = False,
    qr: bool = False,
    title: str = "Carnets",
    on_book: Callable[[BookSheet], None] | None = None,
) -> bytes:
    buffer = io.BytesIO()
    writer = CarnetWriter(buffer, info, specimen=specimen, qr=qr, title=title)
    for book in books:
        writer.add_book(book)
        if on_book:
            on_book(book)
    writer.close()
    return buffer.getvalue()


def _parts(books: Iterable[BookSheet], size: int) -> Iterator[list[BookSheet]]:
    it = iter(books)
    while part := list(islice(it, size)):
        yield part


def stream_books(
    books: Iterable[BookSheet],
    info: CarnetInfo,
    *,
    total_books: int,
    part_books: int = PART_BOOKS,
    specimen: bool = False,
    qr: bool = False,
    name: str = "carnets",
    title: str = "Carnets",
    on_book: Callable[[BookSheet], None] | None = None,
) -> Iterator[bytes]:
    """Yield the print file's bytes: one PDF, or a ZIP of parts (see the module rules)."""
    if media_type(total_books, part_books) == PDF:
        yield render_pdf(books, info, specimen=specimen, qr=qr, title=title, on_book=on_book)
        return
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:
        for part in _parts(books, part_books):
            label = f"{name}-{part[0].serial:06d}-{part[-1].serial:06d}"
            pdf = render_pdf(
                part, info, specimen=specimen, qr=qr, title=f"{title} ({label})", on_book=on_book
            )
            entry = zipfile.ZipInfo(label + ".pdf", date_time=_FIXED_TIME)
            entry.external_attr = 0o644 << 16
            archive.writestr(entry, pdf)
            del pdf
            yield sink.drain()
    yield sink.drain()
