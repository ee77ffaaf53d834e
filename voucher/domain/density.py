"""INSEE's communal density grid, read as INSEE publishes it (3, 4 or 7 levels).

Rules kept:

- Each grid is mapped explicitly, level by level, to the 3-level European grid the
  project stores (1 densely populated, 2 intermediate density, 3 rural) and so to a zone
  kind: rural is exactly the levels INSEE calls rural in that grid.
  3 levels: 3 "communes rurales". 4 levels (grid used until 2021): 3 "peu dense" and
  4 "très peu dense", the two rural levels. 7 levels (from 2022): 5 "bourgs ruraux",
  6 "rural à habitat dispersé", 7 "rural à habitat très dispersé"; its levels 2 to 4
  (centres urbains intermédiaires, ceintures urbaines, petites villes) are the
  intermediate density of the 3-level grid, level 1 (grands centres urbains) the dense one.
- The grid's year travels with every class read from it, so a later grid never silently
  rewrites what was recorded under an earlier one.
- The file is INSEE's: CSV (``;`` or ``,``, UTF-8 or Latin-1) or XLSX, title lines above
  the header allowed; the commune column is ``CODGEO`` (or "Code Commune"), the level
  column ``DENS7``, ``DENS`` or "Typo degré de densité". A file whose number of levels
  cannot be told is refused rather than guessed.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass

from voucher.domain.errors import DomainError, register

register(
    "density_grid_unreadable",
    "Grille de densité illisible : il faut le fichier de l'INSEE (CSV ou XLSX) avec une "
    "colonne du code commune (CODGEO) et une colonne du niveau de densité (DENS ou DENS7), "
    "et préciser le nombre de niveaux (3, 4 ou 7) et l'année de la grille s'ils ne se "
    "lisent pas dans le fichier.",
)

#: grid size -> its level -> the 3-level class (1 dense, 2 intermediate, 3 rural)
TO_THREE_LEVELS: dict[int, dict[int, int]] = {
    3: {1: 1, 2: 2, 3: 3},
    4: {1: 1, 2: 2, 3: 3, 4: 3},
    7: {1: 1, 2: 2, 3: 2, 4: 2, 5: 3, 6: 3, 7: 3},
}
KIND = {1: "urban", 2: "urban", 3: "rural"}
CODE_COLUMNS = ("codgeo", "code commune", "code geographique", "com")
LEVEL_COLUMNS = ("dens7", "dens", "typo degre de densite", "degre de densite")


@dataclass(frozen=True)
class DensityClass:
    level: int  # in its own grid
    levels: int  # 3, 4 or 7
    year: int

    @property
    def three_levels(self) -> int:
        return TO_THREE_LEVELS[self.levels][self.level]

    @property
    def kind(self) -> str:
        return KIND[self.three_levels]


@dataclass(frozen=True)
class Grid:
    levels: int
    year: int
    classes: dict[str, DensityClass]

    def of(self, code: str) -> DensityClass | None:
        return self.classes.get(code)


def _plain(text: object) -> str:
    value = unicodedata.normalize("NFKD", str(text or ""))
    value = "".join(c for c in value if not unicodedata.combining(c)).casefold()
    return " ".join(value.replace("_", " ").split())


def _rows(data: bytes, filename: str) -> list[list[str]]:
    if filename.lower().endswith(".xlsx"):
        from openpyxl import load_workbook

        try:
            sheet = load_workbook(io.BytesIO(data), read_only=True, data_only=True).worksheets[0]
        except Exception as exc:  # any unreadable workbook is the same refusal
            raise DomainError("density_grid_unreadable") from exc
        return [
            ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
        ]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    delimiter = ";" if text.count(";") >= text.count(",") else ","
    return list(csv.reader(io.StringIO(text), delimiter=delimiter))


def _header(rows: list[list[str]], levels: int | None) -> tuple[int, int, int, str]:
    """(header row, code column, level column, level column name): in a file holding
    several grids (the 2025 file has ``DENS`` and ``DENS7``), the one asked for."""
    for i, row in enumerate(rows[:30]):
        names = [_plain(c) for c in row]
        code = next((names.index(n) for n in CODE_COLUMNS if n in names), None)
        found = [n for n in LEVEL_COLUMNS if n in names]
        if code is None or not found:
            continue
        column = found[0]
        if levels is not None and levels != 7 and "dens7" in found and len(found) > 1:
            column = found[1]
        if "dens7" in found and len(found) > 1 and levels not in (None, 3, 7):
            raise DomainError("density_grid_unreadable")  # that file holds 3 and 7 levels
        return i, code, names.index(column), column
    raise DomainError("density_grid_unreadable")


def _year(rows: list[list[str]], filename: str, header: int) -> int | None:
    for text in [filename, *(" ".join(r) for r in rows[:header])]:
        found = re.search(r"(20\d\d)", text)
        if found:
            return int(found.group(1))
    return None


def _levels(column: str, values: set[int], labels: set[str]) -> int | None:
    if column == "dens7" or max(values, default=0) > 4:
        return 7
    if any("bourg" in t or "ceinture" in t for t in labels):
        return 7
    if any("tres peu dense" in t or "peu dense" in t for t in labels):
        return 4
    if max(values, default=0) == 4:
        return 4
    if any("rural" in t or "densement" in t for t in labels):
        return 3  # the labels of the European 3-level grid
    return None


def read_grid(
    data: bytes, filename: str, *, levels: int | None = None, year: int | None = None
) -> Grid:
    """The grid in ``data``; ``levels`` and ``year`` when the file does not tell them."""
    rows = _rows(data, filename)
    start, code_at, level_at, column = _header(rows, levels)
    label_at = next((i for i, n in enumerate(rows[start]) if _plain(n) == "libdens"), None)
    found: dict[str, int] = {}
    labels: set[str] = set()
    for row in rows[start + 1 :]:
        if len(row) <= max(code_at, level_at) or not row[code_at].strip():
            continue
        code, raw = row[code_at].strip().upper().zfill(5), row[level_at].strip()
        if not re.fullmatch(r"\d(\.0)?", raw) or not re.fullmatch(r"[0-9][0-9AB]\d{3}", code):
            raise DomainError("density_grid_unreadable", value=code)
        found[code] = int(float(raw))
        if label_at is not None and len(row) > label_at:
            labels.add(_plain(row[label_at]))
    levels = levels or _levels(column, set(found.values()), labels)
    year = year or _year(rows, filename, start)
    if levels not in TO_THREE_LEVELS or year is None or not found:
        raise DomainError("density_grid_unreadable")
    if not set(found.values()) <= set(TO_THREE_LEVELS[levels]):
        raise DomainError("density_grid_unreadable")
    return Grid(levels, year, {c: DensityClass(v, levels, year) for c, v in found.items()})
