"""What a protected report lets an attacker work out: the bridge between the published
tables (:class:`~voucher.services.impact.protect.Report`) and the integer-programming
attacker of :mod:`voucher.domain.disclosure`.

Rules kept:

- A publication is exactly what a reader gets: the values shown (None when masked), per
  table, row and zone kind, for one set of programmes.
- The figures to protect come from the raw counts, which never leave the services: every
  masked count of 1 to threshold - 1 people, and every masked part whose complement (books
  handed out but not started, ...) is that small.
"""

from __future__ import annotations

from collections.abc import Sequence

from voucher.domain import disclosure
from voucher.domain import impact as dom
from voucher.domain.suppression import TOTAL
from voucher.services.impact.counts import RawFigures
from voucher.services.impact.protect import Report

PEOPLE_COUNTS = {
    dom.BOOKS: (
        "beneficiaires",
        "carnets_remis",
        "carnets_commences",
        "carnets_termines",
        "autonomie_evaluables",
        "autonomie_progression",
    ),
    dom.SESSIONS: ("beneficiaires",),
}
#: protection asked of every sensitive figure: its interval spans at least this many people
DEFAULT_PROTECTION = 5
ZONE_CODE = {code: export for code, export in dom.ZONES.items()}


def publication(report: Report, label: str = "") -> disclosure.Publication:
    tables = []
    for t in report.tables:
        cells = {(r.code, r.zone): dict(r.values) for r in t.rows}
        rows = tuple(dict.fromkeys(r.code for r in t.rows if r.code != TOTAL))
        tables.append(disclosure.Table(t.name, t.dimension.family, t.dimension.code, rows, cells))
    ids = frozenset(i for i, _ in report.programmes)
    return disclosure.Publication(ids, tuple(tables), label)


def sensitive(raw: RawFigures, report: Report, index: int = 0) -> list[disclosure.Sensitive]:
    """The masked figures of ``report`` that describe 1 to threshold - 1 people."""
    small = lambda v: 0 < v < report.threshold  # noqa: E731
    out = []
    for name, raw_table in raw.tables.items():
        family = raw_table.dimension.family
        shown = {(r.code, r.zone): r.values for r in report.table(name).rows}
        for (row, zone), cell in raw_table.cells.items():
            key = (raw_table.codes.get(row, row), dom.ZONES.get(zone, zone))
            values = shown.get(key, {})
            for m in PEOPLE_COUNTS[family]:
                if values.get(m) is not None:
                    continue
                true = int(cell.get(m, 0))
                if small(true):
                    out.append(disclosure.Sensitive(index, name, key[0], key[1], m, true))
                whole = dom.measure(family, m).part_of
                if whole and small(int(cell.get(whole, 0)) - true):
                    rest = int(cell.get(whole, 0)) - true
                    out.append(disclosure.Sensitive(index, name, key[0], key[1], m, rest, whole))
    return out


def audit(
    raws: Sequence[RawFigures],
    reports: Sequence[Report],
    *,
    protection: int = DEFAULT_PROTECTION,
    min_book_size: int = 1,
    max_book_size: int | None = None,
) -> list[disclosure.Finding]:
    """Every sensitive figure of ``reports`` (published together) the attacker narrows
    below ``protection``."""
    return disclosure.narrowed(
        intervals(
            raws,
            reports,
            min_book_size=min_book_size,
            max_book_size=max_book_size,
            narrow=protection,
        ),
        protection,
    )


def intervals(
    raws: Sequence[RawFigures],
    reports: Sequence[Report],
    *,
    skip: frozenset[disclosure.Sensitive] = frozenset(),
    min_book_size: int = 1,
    max_book_size: int | None = None,
    narrow: int | None = None,
) -> list[disclosure.Finding]:
    """The attacker's interval of every sensitive figure of ``reports`` but ``skip``."""
    pubs = [publication(r) for r in reports]
    targets = [
        s
        for i, (raw, rep) in enumerate(zip(raws, reports, strict=True))
        for s in sensitive(raw, rep, i)
        if s not in skip
    ]
    threshold = max(r.threshold for r in reports)
    return disclosure.attack(
        pubs,
        targets,
        threshold=threshold,
        min_book_size=min_book_size,
        max_book_size=max_book_size,
        narrow=narrow,
    )
