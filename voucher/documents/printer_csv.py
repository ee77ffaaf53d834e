"""The printer's variable-data file: one CSV line per voucher, for print shops that lay out
their own design (InDesign data merge, PrintShop Mail, Fusion Pro...).

Rules kept: UTF-8, comma separator, CRLF line ends, a header line (RFC 4180, the open-data
dialect of ECOSYSTEM.md); lines in book then position order; the ``code`` column holds
exactly the 24 digits to encode in the barcode, ``code_groupes`` the same digits in groups
of 4 to print for people. Money is given both in integer cents and as printed text; dates
are ISO 8601. Spreadsheets turn long digit strings into numbers and lose digits: the file is
meant for print software, and docs/printing.md says how to open it in a spreadsheet.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date

from voucher.domain.codes import format_code
from voucher.domain.money import format_eur
from voucher.domain.printing import book_label

HEADER = (
    "carnet",
    "position",
    "cheques_par_carnet",
    "code",
    "code_groupes",
    "valeur_centimes",
    "valeur",
    "valable_jusqu_au",
    "accepte_jusqu_au",
)


@dataclass(frozen=True)
class CsvLine:
    serial: int
    position: int
    code: str


def stream_csv(
    lines: Iterable[CsvLine],
    *,
    per_book: int,
    face_value_cents: int,
    valid_until: date,
    accepted_until: date,
    chunk_lines: int = 2_000,
) -> Iterator[bytes]:
    """Yield the file's bytes in chunks of about ``chunk_lines`` lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    fixed = (
        face_value_cents,
        format_eur(face_value_cents),
        valid_until.isoformat(),
        accepted_until.isoformat(),
    )
    pending = 0
    for line in lines:
        writer.writerow(
            (
                book_label(line.serial),
                line.position,
                per_book,
                line.code,
                format_code(line.code),
                *fixed,
            )
        )
        pending += 1
        if pending >= chunk_lines:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue().encode("utf-8")
