"""Writers for impact bundles: CSV (two dialects, in a ZIP with the README), XLSX, Parquet
and JSON. All stream: rows are read once and written as they come (a research extract
is shuffled, so its rows are held once in memory before they reach the writer).

Rules kept:

- Open-data CSV: UTF-8 without BOM, comma separator, decimal point.
  French Excel CSV: UTF-8 **with** BOM, semicolon separator, decimal comma.
  Both are zipped with ``LISEZMOI.txt`` (the note on statistical secrecy, the method and
  every column's meaning), since a bare CSV cannot carry a note.
- XLSX: a ``LISEZMOI`` sheet first (the note, the method, every column), then one sheet
  per table; written in openpyxl's streaming (write-only) mode.
- Parquet: one file, the tables stacked with a ``tableau`` column; the note and the README
  are in the file's key-value metadata.
- JSON: one object with ``note``, ``lisezmoi``, ``colonnes`` and ``tableaux``.
- Both CSV ZIPs carry ``datapackage.json`` (Frictionless codebook, see ``datapackage.py``);
  ``paquet`` adds Stata and SPSS files with labels (it holds the rows in memory: for
  aggregated tables, not for row-level extracts of millions of lines).
- A masked value is an empty cell (CSV, XLSX), a null (Parquet, JSON): never a zero.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any

from voucher.documents.impact.datapackage import descriptor_bytes
from voucher.documents.impact.model import Bundle, Column, Sheet

FORMATS = ("csv", "csv-fr", "xlsx", "parquet", "json", "paquet")
MEDIA_TYPES = {
    "csv": "application/zip",
    "csv-fr": "application/zip",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
    "json": "application/json",
    "pdf": "application/pdf",
    "paquet": "application/zip",
}
EXTENSIONS = {
    "csv": "csv.zip",
    "csv-fr": "csv-excel.zip",
    "xlsx": "xlsx",
    "parquet": "parquet",
    "json": "json",
    "pdf": "pdf",
    "paquet": "paquet.zip",
}
BATCH = 10_000


def _fr_cell(value: Any) -> Any:
    if isinstance(value, float):
        return repr(value).replace(".", ",") if value == value else ""
    return "" if value is None else value


def _open_cell(value: Any) -> Any:
    return "" if value is None else value


def write_csv_zip(
    bundle: Bundle,
    out: IO[bytes],
    *,
    french: bool = False,
    progress: Callable[[int], None] | None = None,
) -> None:
    encoding, delimiter = ("utf-8-sig", ";") if french else ("utf-8", ",")
    cell = _fr_cell if french else _open_cell
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "LISEZMOI.txt", bundle.readme_text().encode("utf-8-sig" if french else "utf-8")
        )
        for sheet in bundle.sheets:
            with (
                archive.open(f"{sheet.name}.csv", "w", force_zip64=True) as raw,
                io.TextIOWrapper(raw, encoding=encoding, newline="") as text,
            ):
                writer = csv.writer(text, delimiter=delimiter, lineterminator="\r\n")
                writer.writerow([c.code for c in sheet.columns])
                for n, row in enumerate(sheet.rows, 1):
                    writer.writerow([cell(v) for v in row])
                    if progress and n % BATCH == 0:
                        progress(BATCH)
        archive.writestr("datapackage.json", descriptor_bytes(bundle, french=french))


def write_package(bundle: Bundle, out: IO[bytes]) -> None:
    """The evaluator's package: the open-data CSV ZIP (with ``datapackage.json``) plus the
    same sheets as Stata ``stata/*.dta`` and SPSS ``spss/*.sav`` files, with their labels."""
    from voucher.documents.impact import labelled

    rows = {s.name: [list(r) for r in s.rows] for s in bundle.sheets}
    bundle.sheets = [Sheet(s.name, s.title, s.columns, rows[s.name]) for s in bundle.sheets]
    buffer = io.BytesIO()
    write_csv_zip(bundle, buffer)
    with zipfile.ZipFile(buffer, "a", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in labelled.files(bundle, rows).items():
            archive.writestr(name, data)
    out.write(buffer.getvalue())


def write_xlsx(
    bundle: Bundle, out: IO[bytes], progress: Callable[[int], None] | None = None
) -> None:
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    book = Workbook(write_only=True)
    readme = book.create_sheet("LISEZMOI")
    readme.column_dimensions["A"].width = 34
    readme.column_dimensions["B"].width = 110
    bold = Font(bold=True)

    def strong(ws: Any, text: str) -> Any:
        c = WriteOnlyCell(ws, value=text)
        c.font = bold
        return c

    readme.append([strong(readme, bundle.title)])
    readme.append([f"Produit le {bundle.generated_at:%d/%m/%Y à %H:%M} (UTC)"])
    for paragraph in [*bundle.about, bundle.note]:
        wrapped = WriteOnlyCell(readme, value=paragraph)
        wrapped.alignment = Alignment(wrap_text=True, vertical="top")
        readme.append(["", wrapped])
    for sheet in bundle.sheets:
        readme.append([])
        readme.append([strong(readme, f"Feuille « {sheet.name} »"), sheet.title])
        for col in sheet.columns:
            readme.append([col.code, col.description])
    for sheet in bundle.sheets:
        ws = book.create_sheet(sheet.name[:31])
        ws.append([strong(ws, c.code) for c in sheet.columns])
        for n, row in enumerate(sheet.rows, 1):
            ws.append(list(row))
            if progress and n % BATCH == 0:
                progress(BATCH)
    book.save(out)


def _arrow_type(col: Column) -> Any:
    import pyarrow as pa

    return {"text": pa.string(), "int": pa.int64(), "float": pa.float64()}[col.kind]


def _union(sheets: Sequence[Sheet]) -> list[Column]:
    found: dict[str, Column] = {"tableau": Column("tableau", "Nom du tableau (feuille).", "text")}
    for sheet in sheets:
        for col in sheet.columns:
            found.setdefault(col.code, col)
    return list(found.values())


def _chunks(sheets: Sequence[Sheet], columns: list[Column]) -> Iterator[dict[str, list[Any]]]:
    chunk: dict[str, list[Any]] = {c.code: [] for c in columns}
    size = 0
    for sheet in sheets:
        codes = [c.code for c in sheet.columns]
        missing = [c.code for c in columns if c.code not in codes and c.code != "tableau"]
        for row in sheet.rows:
            chunk["tableau"].append(sheet.name)
            for code, value in zip(codes, row, strict=True):
                chunk[code].append(value)
            for code in missing:
                chunk[code].append(None)
            size += 1
            if size == BATCH:
                yield chunk
                chunk, size = {c.code: [] for c in columns}, 0
    if size:
        yield chunk


def write_parquet(
    bundle: Bundle, out: IO[bytes], progress: Callable[[int], None] | None = None
) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    columns = _union(bundle.sheets)
    meta = {
        "note": bundle.note,
        "lisezmoi": bundle.readme_text(),
        "titre": bundle.title,
        **bundle.metadata,
    }
    fields = [
        pa.field(c.code, _arrow_type(c), metadata={"description": c.description}) for c in columns
    ]
    schema = pa.schema(fields, metadata={k: v.encode("utf-8") for k, v in meta.items()})
    with pq.ParquetWriter(out, schema) as writer:
        for chunk in _chunks(bundle.sheets, columns):
            writer.write_batch(
                pa.record_batch(
                    [pa.array(chunk[c.code], _arrow_type(c)) for c in columns], schema=schema
                )
            )
            if progress:
                progress(len(chunk["tableau"]))


def write_json(
    bundle: Bundle, out: IO[bytes], progress: Callable[[int], None] | None = None
) -> None:
    def put(text: str) -> None:
        out.write(text.encode("utf-8"))

    dump = json.dumps
    put(
        "{" + f'"titre": {dump(bundle.title, ensure_ascii=False)}, '
        f'"produit_le": {dump(bundle.generated_at.isoformat())}, '
        f'"note": {dump(bundle.note, ensure_ascii=False)}, '
        f'"lisezmoi": {dump(bundle.about, ensure_ascii=False)}, '
        f'"metadonnees": {dump(bundle.metadata, ensure_ascii=False)}, "tableaux": ['
    )
    for i, sheet in enumerate(bundle.sheets):
        cols = {c.code: c.description for c in sheet.columns}
        put(
            ("," if i else "")
            + "{"
            + f'"nom": {dump(sheet.name)}, "titre": {dump(sheet.title, ensure_ascii=False)}, '
            f'"colonnes": {dump(cols, ensure_ascii=False)}, "lignes": ['
        )
        codes = list(cols)
        for n, row in enumerate(sheet.rows):
            put(("," if n else "") + dump(dict(zip(codes, row, strict=True)), ensure_ascii=False))
            if progress and (n + 1) % BATCH == 0:
                progress(BATCH)
        put("]}")
    put("]}")


def write(
    bundle: Bundle, fmt: str, out: IO[bytes], progress: Callable[[int], None] | None = None
) -> None:
    if fmt == "csv":
        write_csv_zip(bundle, out, progress=progress)
    elif fmt == "csv-fr":
        write_csv_zip(bundle, out, french=True, progress=progress)
    elif fmt == "xlsx":
        write_xlsx(bundle, out, progress)
    elif fmt == "parquet":
        write_parquet(bundle, out, progress)
    elif fmt == "json":
        write_json(bundle, out, progress)
    elif fmt == "paquet":
        write_package(bundle, out)
    else:
        raise ValueError(f"unknown format {fmt!r}")
