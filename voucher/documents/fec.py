"""Writing the FEC text file and the XLSX workbook for people; reading a FEC back (tests,
and anyone who wants to check a file before sending it).

The FEC: a header line with the 18 column names, then one line per posting, ``|`` (or tab)
separated, CRLF line ends, UTF-8. The XLSX holds the same journal (amounts as exact
decimals, formatted in euros) and the trial balance.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator
from decimal import Decimal

from voucher.domain.accounting import FEC_COLUMNS, parse_fec_amount

SEPARATORS = {"pipe": "|", "tab": "\t"}


def lines(rows: Iterable[tuple[str, ...]], separator: str = "|") -> Iterator[str]:
    """The file, line by line (streamed)."""
    if separator not in SEPARATORS.values():
        raise ValueError(separator)
    yield separator.join(FEC_COLUMNS) + "\r\n"
    for row in rows:
        if len(row) != len(FEC_COLUMNS) or any(separator in f or "\n" in f for f in row):
            raise ValueError("malformed FEC row")
        yield separator.join(row) + "\r\n"


def read(text: str) -> list[dict[str, str]]:
    """Parse a FEC back into dicts (separator detected from the header)."""
    raw = text.splitlines()
    if not raw:
        return []
    separator = "\t" if "\t" in raw[0] else "|"
    header = raw[0].split(separator)
    if tuple(header) != FEC_COLUMNS:
        raise ValueError("not a FEC header")
    out = []
    for line in raw[1:]:
        fields = line.split(separator)
        if len(fields) != len(FEC_COLUMNS):
            raise ValueError(f"line with {len(fields)} fields")
        out.append(dict(zip(FEC_COLUMNS, fields, strict=True)))
    return out


def _euros(text: str) -> Decimal:
    return Decimal(parse_fec_amount(text)) / 100


def xlsx(
    rows: Iterable[tuple[str, ...]], balance: Iterable[tuple[str, str, str, int, int, int, int]]
) -> bytes:
    """Journal and trial balance as a workbook (write-only: streamed, flat memory)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    wb = Workbook(write_only=True)
    journal = wb.create_sheet("Journal")
    journal.append(list(FEC_COLUMNS))
    money = '#,##0.00 "€"'
    for row in rows:
        cells: list[object] = list(row)
        for i in (11, 12):
            cell = WriteOnlyCell(journal, value=_euros(row[i]))
            cell.number_format = money
            cells[i] = cell
        journal.append(cells)
    sheet = wb.create_sheet("Balance")
    sheet.append(
        [
            "Compte interne",
            "CompteNum",
            "CompteLib",
            "Solde d'ouverture",
            "Débit",
            "Crédit",
            "Solde de clôture",
        ]
    )
    for account, number, label, *amounts in balance:
        values: list[object] = [account, number, label]
        for cents in amounts:
            cell = WriteOnlyCell(sheet, value=Decimal(cents) / 100)
            cell.number_format = money
            values.append(cell)
        sheet.append(values)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
