"""What a protected report lets an attacker work out: the bridge between the published
tables (:class:`~voucher.services.impact.protect.Report`) and the integer-programming
attacker of :mod:`voucher.domain.disclosure`.

Rules kept:

- A publication is exactly what a reader gets: the values shown (None when masked), per
  table, row and zone kind, for one set of programmes: **every table** of the view,
  whatever its name or family (tables another module adds to releases through
  ``release.EXTRA_VIEWS`` and ``impact.register`` included), with every people count
  (measures of kind "people").
- The figures to protect come from the raw counts, which never leave the services: every
  masked count of 1 to threshold - 1 people, and every masked part whose complement (books
  handed out but not started, ...) is that small.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from voucher.domain import disclosure
from voucher.domain import impact as dom
from voucher.domain.suppression import TOTAL
from voucher.services.impact.counts import RawFigures
from voucher.services.impact.protect import Report

#: the people counts of a table of ``family``: every measure of kind "people", whatever the
#: table (a table another module registers is read the same way)
people_counts = dom.people_counts
#: protection asked of every sensitive figure: its interval spans at least this many people
DEFAULT_PROTECTION = 5
ZONE_CODE = {code: export for code, export in dom.ZONES.items()}
#: the table with one row per programme: a row of it at every zone is a programme's total
PROGRAMMES_TABLE = next(d.table for d in dom.DIMENSIONS if d.code == "dispositif")


@dataclass(frozen=True)
class Prior:
    """One view of an earlier release as a reader has it: the counts of people it
    published, keyed by table, row (export code), zone (export code) and measure; ``same``
    when it covers the same period as the release being checked."""

    programmes: frozenset[int]
    values: Mapping[tuple[str, str, str, str], int]
    same: bool = False


def prior_of(report: Report, same: bool = False) -> Prior:
    """The counts of people a published view shows."""
    values = {}
    for t in report.tables:
        for r in t.rows:
            for m in people_counts(t.dimension.family):
                v = r.values.get(m)
                if v is not None:
                    values[(t.name, r.code, r.zone, m)] = int(v)
    return Prior(frozenset(i for i, _ in report.programmes), values, same)


def publication(report: Report, label: str = "") -> disclosure.Publication:
    tables = []
    for t in report.tables:
        cells = {(r.code, r.zone): dict(r.values) for r in t.rows}
        rows = tuple(dict.fromkeys(r.code for r in t.rows if r.code != TOTAL))
        family = t.dimension.family
        measures = dom.measures_for(family)
        tables.append(
            disclosure.Table(
                t.name,
                family,
                t.dimension.code,
                rows,
                cells,
                counts=people_counts(family),
                parts=tuple((m.code, m.part_of) for m in measures if m.part_of),
                one_row_per_person=t.dimension.one_row_per_person,
            )
        )
    ids = frozenset(i for i, _ in report.programmes)
    return disclosure.Publication(ids, tuple(tables), label)


def sensitive(
    raw: RawFigures,
    report: Report,
    index: int = 0,
    before: Mapping[tuple[str, str, str, str], int] | None = None,
    protection: int = DEFAULT_PROTECTION,
) -> list[disclosure.Sensitive]:
    """The masked figures of ``report`` that describe 1 to threshold - 1 people, and every
    count that grew by 1 to threshold - 1 people since the value ``before`` gave it (an
    earlier release, keyed by table, row, zone and measure), but a :func:`grand_total`
    that grew by at least ``protection`` (one that grew by fewer would pin the part that
    grew within less than ``protection``: it is protected like the others)."""
    small = lambda v: 0 < v < report.threshold  # noqa: E731
    out = []
    for (name, row, zone, m), old in (before or {}).items():
        true = _truth(raw, name, row, zone, m)
        if true is not None and grand_total(name, row, zone) and true - old >= protection:
            continue
        if true is not None and small(true - old):
            out.append(disclosure.Sensitive(index, name, row, zone, m, true - old, since=old))
    for name, raw_table in raw.tables.items():
        family = raw_table.dimension.family
        shown = {(r.code, r.zone): r.values for r in report.table(name).rows}
        for (row, zone), cell in raw_table.cells.items():
            key = (raw_table.codes.get(row, row), dom.ZONES.get(zone, zone))
            values = shown.get(key, {})
            for m in people_counts(family):
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


def grand_total(table: str, row: str, zone: str) -> bool:
    """A count over everyone of a view (every row, every zone), or over everyone of one
    programme (its row of the programmes table, every zone). Its growth since an earlier
    release is not a small group to protect: it breaks nobody down by a characteristic,
    only counts who entered the measure in the period out of everyone who could have
    (docs/impact.md, "Releases"); the counts it adds up stay protected against it."""
    return zone == TOTAL and (row == TOTAL or table == PROGRAMMES_TABLE)


def _truth(raw: RawFigures, table: str, row: str, zone: str, measure: str) -> int | None:
    t = raw.tables.get(table)
    if t is None:
        return None
    back = {code: key for key, code in t.codes.items()}
    zones = {export: code for code, export in dom.ZONES.items()}
    cell = t.cells.get((back.get(row, row), zones.get(zone, zone)))
    return 0 if cell is None else int(cell.get(measure, 0))


def earlier(
    raws: Sequence[RawFigures], reports: Sequence[Report], prior: Sequence[Prior]
) -> tuple[list[dict[tuple[str, str, str, str], int]], list[disclosure.Earlier]]:
    """What earlier releases (``prior``) tell about the views of this one: per view, the
    counts they published (the latest value of each), and the attacker's constraints
    (counts only grow; the same period unchanged gives the same count). A constraint the
    truth breaks (a count that fell, a corrected record) is left out: the attacker's
    model must hold for the truth."""
    before: list[dict[tuple[str, str, str, str], int]] = [{} for _ in reports]
    known: list[disclosure.Earlier] = []
    for i, (raw, report) in enumerate(zip(raws, reports, strict=True)):
        ids = frozenset(p for p, _ in report.programmes)
        for p in prior:
            if p.programmes != ids:
                continue
            for key, old in p.values.items():
                true = _truth(raw, *key)
                if true is None or true < old:
                    continue
                before[i][key] = old
                known.append(disclosure.Earlier(i, *key, old, same=p.same and true == old))
    return before, known


def audit(
    raws: Sequence[RawFigures],
    reports: Sequence[Report],
    *,
    protection: int = DEFAULT_PROTECTION,
    min_book_size: int = 1,
    max_book_size: int | None = None,
    prior: Sequence[Prior] = (),
) -> list[disclosure.Finding]:
    """Every sensitive figure of ``reports`` (published together, after the ``prior``
    releases) the attacker narrows below ``protection``."""
    return disclosure.narrowed(
        intervals(
            raws,
            reports,
            min_book_size=min_book_size,
            max_book_size=max_book_size,
            narrow=protection,
            prior=prior,
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
    prior: Sequence[Prior] = (),
) -> list[disclosure.Finding]:
    """The attacker's interval of every sensitive figure of ``reports`` but ``skip``,
    knowing what the ``prior`` releases published."""
    pubs = [publication(r) for r in reports]
    before, known = earlier(raws, reports, prior)
    targets = [
        s
        for i, (raw, rep) in enumerate(zip(raws, reports, strict=True))
        for s in sensitive(raw, rep, i, before[i], narrow or DEFAULT_PROTECTION)
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
        earlier=known,
    )
