"""From raw counts to what may be published: statistical secrecy, derived indicators and
the rural / urban comparison.

Rules kept:

- Whole cells (one row x one zone) are masked on the number of people they describe
  (beneficiaries, books handed out), with secondary suppression across each table's
  margins and across the tables of a family, which share their "ensemble" row
  (:func:`voucher.domain.suppression.suppress_linked`).
- Counts of people that are parts of another (books started, books completed, autonomy
  followed, autonomy improved) get their own suppression, the whole-cell masks forced in;
  a part is masked when it or its complement is small. A measure derived from a masked
  count (a share, a ratio) is masked with it.
- Quartiles of the days to the first session are published only over at least
  ``threshold`` books.
- The comparison uses the zone totals; an estimate resting on a small or masked count is
  not published, nor is the gap that would reveal it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from voucher.domain import impact as dom
from voucher.domain import stats
from voucher.domain.calendar import utcnow
from voucher.domain.suppression import (
    TOTAL,
    Grid,
    Suppression,
    checked_threshold,
    note,
    suppress_linked,
)
from voucher.services.impact import rates
from voucher.services.impact.counts import RawFigures, RawTable

DEFAULT_SEED = 20240611
Value = int | float | None


@dataclass
class Row:
    code: str
    label: str
    zone: str  # export code (rural, urbain, non_renseigne, ensemble)
    masked: bool
    values: dict[str, Value]


@dataclass
class Table:
    name: str
    title: str
    dimension: dom.Dimension
    measures: tuple[dom.Measure, ...]
    rows: list[Row]


@dataclass
class ZoneEstimate:
    n: int | None
    estimate: float | None
    low: float | None
    high: float | None


@dataclass
class ComparisonRow:
    code: str
    label: str
    kind: str
    rural: ZoneEstimate
    urban: ZoneEstimate
    difference: ZoneEstimate
    significant: bool | None
    conclusion: str


@dataclass
class Report:
    generated_at: datetime
    programmes: list[tuple[int, str]]
    threshold: int
    seed: int
    tables: list[Table]
    comparisons: list[ComparisonRow]
    note: str
    primary: int
    secondary: int
    masks: dict[str, dict[str, Suppression]] = field(default_factory=dict)
    #: the evaluation's estimates as published (JSON; see voucher.services.evaluation.published)
    evaluation: dict[str, Any] = field(default_factory=dict)

    def table(self, name: str) -> Table:
        return next(t for t in self.tables if t.name == name)

    def total(self, family: str, zone: str, measure: str) -> Value:
        table = next(t for t in self.tables if t.dimension.family == family)
        row = next((r for r in table.rows if r.code == TOTAL and r.zone == zone), None)
        if row is None:  # nothing in that zone: counts are zero, ratios undefined
            kind = dom.measure(family, measure).kind
            return 0 if kind in ("people", "count", "cents") else None
        return row.values.get(measure)


def _grid(
    table: RawTable, measure: str, companion: str | None = None, part_of: str | None = None
) -> Grid:
    values, extra = {}, {}
    for (row, zone), cell in table.cells.items():
        values[(row, zone)] = cell.get(measure, 0)
        if companion:
            extra[(row, zone)] = cell.get(companion, 0)
        elif part_of:
            extra[(row, zone)] = cell.get(part_of, 0) - cell.get(measure, 0)
    return Grid(tuple(table.rows), tuple(dom.ZONES), values, extra)


#: cells masked beyond the rules, per guard and table (chosen by the attacker check)
Extra = Mapping[str, Mapping[str, set[tuple[str, str]]]]


def _masks(
    raw: RawFigures, threshold: int, extra: Extra | None = None
) -> dict[str, dict[str, Suppression]]:
    """Masks per guard ("cell" and each guarded count) per table."""
    out: dict[str, dict[str, Suppression]] = {}
    more = extra or {}
    # then the other families: the evaluation's tables, any registered by another module
    others = sorted({t.dimension.family for t in raw.tables.values()} - {dom.BOOKS, dom.SESSIONS})
    first = ((dom.BOOKS, "carnets_remis"), (dom.SESSIONS, None))
    for family, companion in (*first, *((f, None) for f in others)):
        tables = {n: t for n, t in raw.tables.items() if t.dimension.family == family}
        people = dom.people_counts(family)[0]
        cells = suppress_linked(
            {n: _grid(t, people, companion=companion) for n, t in tables.items()},
            threshold,
            forced={
                n: more.get("cell", {}).get(n, set()) | _small_cells(t, threshold)
                for n, t in tables.items()
            },
        )
        out.setdefault("cell", {}).update(cells)
        if family != dom.BOOKS:
            continue
        for measure in dom.GUARDED_COUNTS:
            part_of = dom.measure(family, measure).part_of
            out[measure] = suppress_linked(
                {n: _grid(t, measure, part_of=part_of) for n, t in tables.items()},
                threshold,
                forced={n: cells[n].masked | more.get(measure, {}).get(n, set()) for n in tables},
            )
    return out


def _small_cells(table: RawTable, threshold: int) -> set[tuple[str, str]]:
    """Cells of a registered family with any people count (or a part's rest) that small."""
    if table.dimension.family in (dom.BOOKS, dom.SESSIONS):
        return set()
    people = [m for m in dom.measures_for(table.dimension.family) if m.kind == "people"]
    return {
        key
        for key, c in table.cells.items()
        for m in people
        if 0 < c.get(m.code, 0) < threshold
        or (m.part_of and 0 < c.get(m.part_of, 0) - c.get(m.code, 0) < threshold)
    }


def _ratio(num: int, den: int, digits: int = 4) -> float | None:
    return round(num / den, digits) if den else None


def _derived(
    cell: Mapping[str, int], delays: list[tuple[float, int]], threshold: int
) -> dict[str, Value]:
    out: dict[str, Value] = dict(cell)
    ben = cell.get("beneficiaires", 0)
    out["taux_utilisation"] = _ratio(cell.get("cheques_encaisses", 0), cell.get("cheques_remis", 0))
    out["cheques_par_beneficiaire"] = _ratio(cell.get("cheques_encaisses", 0), ben, 2)
    value = cell.get("valeur_encaissee_centimes", 0)
    out["cout_par_beneficiaire_centimes"] = (2 * value + ben) // (2 * ben) if ben else None
    out["part_progression_autonomie"] = _ratio(
        cell.get("autonomie_progression", 0), cell.get("autonomie_evaluables", 0)
    )
    q = stats.quartiles(delays) if sum(c for _, c in delays) >= threshold else None
    out["delai_premiere_seance_q1_jours"] = q.q1 if q else None
    out["delai_premiere_seance_mediane_jours"] = q.median if q else None
    out["delai_premiere_seance_q3_jours"] = q.q3 if q else None
    return out


def _guards(measure: dom.Measure) -> tuple[str, ...]:
    """The masks, besides the whole cell's, that hide ``measure`` in a cell."""
    guards = [measure.guard] if measure.guard and measure.guard != "delai" else []
    if measure.code == "part_progression_autonomie":
        guards.append("autonomie_evaluables")
    if measure.guard == "delai" or (
        measure.code == "lieux_actifs" and measure in dom.BOOK_MEASURES
    ):  # derived from the started books: published only when they are
        guards.append("carnets_commences")
    return tuple(guards)


def _table(raw: RawTable, masks: dict[str, dict[str, Suppression]], threshold: int) -> Table:
    measures, name = dom.measures_for(raw.dimension.family), raw.dimension.table
    guarded = [(m.code, _guards(m)) for m in measures]  # worked out once per table
    guard_masks = {g: masks[g][name] for _, gs in guarded for g in gs}
    rows = []
    for row in (*raw.rows, TOTAL):
        for zone in dom.ZONE_COLUMNS:
            cell = raw.cells.get((row, zone))
            if cell is None:
                continue
            masked = masks["cell"][name].is_masked(row, zone)  # then nothing shown or derived
            values = {} if masked else _derived(cell, raw.delays.get((row, zone), []), threshold)
            hidden = {g for g, s in guard_masks.items() if s.is_masked(row, zone)}
            shown = {
                code: None if masked or any(g in hidden for g in gs) else values.get(code)
                for code, gs in guarded
            }
            rows.append(
                Row(
                    raw.codes.get(row, row),
                    raw.labels.get(row, dom.SPECIAL_ROWS.get(row, row)),
                    dom.ZONES.get(zone, zone),
                    masked,
                    shown,
                )
            )
    return Table(name, raw.dimension.title, raw.dimension, measures, rows)


COMPARED = (
    (
        "carnets_commences",
        "carnets_remis",
        "Part des carnets remis qui ont servi au moins une fois",
    ),
    ("carnets_termines", "carnets_remis", "Part des carnets remis entièrement utilisés"),
    (
        "autonomie_progression",
        "autonomie_evaluables",
        "Part des bénéficiaires dont l'autonomie a progressé (suivis sur au moins deux séances)",
    ),
)
DELAY_LABEL = "Délai entre la remise du carnet et la première séance"
NOT_PUBLISHED = (
    "Non publié : trop peu de personnes dans une des zones pour le publier sans risque "
    "de les identifier (secret statistique)."
)
EMPTY = ZoneEstimate(None, None, None, None)


def _small(value: int, threshold: int) -> bool:
    return 0 < value < threshold


def _proportion(
    raw: RawTable,
    masks: dict[str, dict[str, Suppression]],
    threshold: int,
    part: str,
    whole: str,
    label: str,
) -> ComparisonRow:
    counts, ok = {}, True
    for zone in ("rural", "urban"):
        cell = raw.cells.get((TOTAL, zone), {})
        x, n = cell.get(part, 0), cell.get(whole, 0)
        counts[zone] = (x, n)
        guards = ("cell", part, whole) if whole in masks else ("cell", part)
        if (
            n < threshold
            or _small(x, threshold)
            or _small(n - x, threshold)
            or any(masks[g][raw.dimension.table].is_masked(TOTAL, zone) for g in guards)
        ):
            ok = False
    if not ok:
        return ComparisonRow(part, label, "proportion", EMPTY, EMPTY, EMPTY, None, NOT_PUBLISHED)
    (xr, nr), (xu, nu) = counts["rural"], counts["urban"]
    return _published(part, stats.compare_proportions(label, xr, nr, xu, nu))


def _published(code: str, c: stats.Comparison) -> ComparisonRow:
    return ComparisonRow(
        code,
        c.label,
        c.kind,
        ZoneEstimate(c.n_a, c.a.estimate, c.a.low, c.a.high),
        ZoneEstimate(c.n_b, c.b.estimate, c.b.low, c.b.high),
        ZoneEstimate(None, c.difference.estimate, c.difference.low, c.difference.high),
        c.significant,
        c.conclusion,
    )


def _delays(
    raw: RawTable, masks: dict[str, dict[str, Suppression]], threshold: int, seed: int
) -> ComparisonRow:
    hists = {z: raw.delays.get((TOTAL, z), []) for z in ("rural", "urban")}
    sizes = {z: sum(c for _, c in h) for z, h in hists.items()}
    if min(sizes.values()) < threshold or any(
        masks["cell"][raw.dimension.table].is_masked(TOTAL, z) for z in hists
    ):
        return ComparisonRow(
            "delai_premiere_seance", DELAY_LABEL, "median", EMPTY, EMPTY, EMPTY, None, NOT_PUBLISHED
        )
    c = stats.compare_medians(DELAY_LABEL, hists["rural"], hists["urban"], seed=seed)
    return ComparisonRow(
        "delai_premiere_seance",
        DELAY_LABEL,
        "median",
        ZoneEstimate(sizes["rural"], c.a.estimate, c.a.low, c.a.high),
        ZoneEstimate(sizes["urban"], c.b.estimate, c.b.low, c.b.high),
        ZoneEstimate(None, c.difference.estimate, c.difference.low, c.difference.high),
        c.significant,
        c.conclusion,
    )


def _rate(
    raw: RawFigures,
    books: RawTable,
    masks: dict[str, dict[str, Suppression]],
    threshold: int,
    seed: int,
) -> ComparisonRow:
    code, label, c = rates.redemption(raw, books, masks, threshold, seed)
    if c is None:
        return ComparisonRow(code, label, "proportion", EMPTY, EMPTY, EMPTY, None, NOT_PUBLISHED)
    return _published(code, c)


def _counts(masks: dict[str, dict[str, Suppression]]) -> tuple[int, int]:
    primary = secondary = 0
    for guard, per_table in masks.items():
        for name, s in per_table.items():
            already = masks["cell"][name].masked if guard != "cell" else frozenset()
            primary += len(s.primary - already)
            secondary += len(s.secondary - already)
    return primary, secondary


def protect(
    raw: RawFigures,
    threshold: int | None = None,
    seed: int = DEFAULT_SEED,
    extra: Extra | None = None,
    compare: bool = True,
) -> Report:
    """What may be published from ``raw``: masked tables, comparison and the note;
    ``extra`` masks more cells (complementary suppression found by the attacker check)."""
    threshold = checked_threshold(threshold)
    masks = _masks(raw, threshold, extra)
    tables = [_table(t, masks, threshold) for t in raw.tables.values()]
    books = next(t for t in raw.tables.values() if t.dimension.family == dom.BOOKS)
    comparisons = [
        _proportion(books, masks, threshold, part, whole, label) for part, whole, label in COMPARED
    ]
    if compare:  # the bootstrap is the slow part: skipped while the masks are being chosen
        comparisons.insert(1, _delays(books, masks, threshold, seed))
        comparisons.append(_rate(raw, books, masks, threshold, seed))
    primary, secondary = _counts(masks)
    return Report(
        utcnow(),
        raw.programmes,
        threshold,
        seed,
        tables,
        comparisons,
        note(threshold, primary, secondary),
        primary,
        secondary,
        masks,
    )


def key_figures(report: Report, zone: str = TOTAL) -> dict[str, Any]:
    """The headline numbers of one zone column (already protected)."""
    wanted = (
        "beneficiaires",
        "carnets_emis",
        "carnets_remis",
        "carnets_commences",
        "carnets_termines",
        "cheques_encaisses",
        "taux_utilisation",
        "cout_par_beneficiaire_centimes",
        "delai_premiere_seance_mediane_jours",
        "part_progression_autonomie",
        "valeur_non_utilisee_centimes",
        "lieux_actifs",
    )
    return {code: report.total(dom.BOOKS, dom.ZONES.get(zone, zone), code) for code in wanted}
