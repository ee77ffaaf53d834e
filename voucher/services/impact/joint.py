"""Protection of a whole release at once: every view published together (all programmes,
each programme, every table, margin and format) is checked against the attacker of
:mod:`voucher.domain.disclosure`, and complementary suppression is added until no
sensitive figure can be narrowed below the protection asked.

Method (documented in ``docs/impact.md``): the cell rules and the bridge-based secondary
suppression of :mod:`voucher.domain.suppression` give a first pattern; then the attacker
solves, for each sensitive figure, the integer programs of its smallest and largest value
under everything published; each figure pinned too narrowly gets more suppression, in
steps, and the check is run again:

1. the other counts of its cell that bound it (books started, completed, followed for
   autonomy, improved) are masked, with their own secondary suppression;
2. then its whole cell;
3. then, one more each time, the largest published cell of its row or of its column.

Every step is applied at the same place in every view of the release (a cell masked for
one programme is masked where the same people appear in the all-programmes view, and a
programme's total where it is a row of the all-programmes table), so that no view undoes
another's mask. The loop ends: each round masks at least one more cell, and when
everything that is not zero is masked nothing can be narrowed.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from voucher.domain import disclosure
from voucher.domain import impact as dom
from voucher.domain.suppression import TOTAL
from voucher.services.impact import secrecy
from voucher.services.impact.counts import RawFigures
from voucher.services.impact.protect import DEFAULT_SEED, Report, protect

MAX_ROUNDS = 60
Place = tuple[str, str, str]  # table, row (internal key), zone (database code)


def _internal(raw: RawFigures, table: str, row: str, zone: str) -> tuple[str, str]:
    t = raw.tables[table]
    back = {code: key for key, code in t.codes.items()}
    zones = {export: code for code, export in dom.ZONES.items()}
    return back.get(row, row), zones.get(zone, zone)


def _largest_open(raw: RawFigures, report: Report, place: Place, step: int) -> list[Place]:
    """Published cells of the same row or column, largest first (whole cells)."""
    table, row, zone = place
    t = raw.tables[table]
    shown = {
        _internal(raw, table, r.code, r.zone) for r in report.table(table).rows if not r.masked
    }
    people = dom.people_counts(t.dimension.family)
    near = [
        (max(int(t.cells[k].get(m, 0)) for m in people), k)
        for k in t.cells
        if k in shown and (k[0] == row or k[1] == zone) and k != (row, zone)
    ]
    near = [(v, k) for v, k in near if v > 0]
    near.sort(key=lambda vk: (TOTAL in vk[1], -vk[0], vk[1]))
    return [(table, *k) for _, k in near[:step]]


def _mirrors(raws: Sequence[RawFigures], place: Place, source: int) -> list[tuple[int, Place]]:
    """The same cell in every view of the release, and a programme's total as its row of
    the dispositif table of views covering several programmes."""
    table, row, zone = place
    out = [(i, place) for i, raw in enumerate(raws) if table in raw.tables]
    ids = [i for i, _ in raws[source].programmes]
    if row == TOTAL and len(ids) == 1:
        for i, raw in enumerate(raws):
            if len(raw.programmes) > 1 and str(ids[0]) in raw.tables["par_dispositif"].rows:
                out.append((i, ("par_dispositif", str(ids[0]), zone)))
    if table == "par_dispositif" and row != TOTAL:
        for i, raw in enumerate(raws):
            if [str(p) for p, _ in raw.programmes] == [row]:
                for name, t in raw.tables.items():
                    if t.dimension.family == dom.BOOKS:
                        out.append((i, (name, TOTAL, zone)))
    return out


def protect_release(
    raws: Sequence[RawFigures],
    threshold: int | None = None,
    *,
    protection: int = secrecy.DEFAULT_PROTECTION,
    seed: int = DEFAULT_SEED,
    prior: Sequence[secrecy.Prior] = (),
) -> list[Report]:
    """The views of one release, protected together (see the module rules), and against
    what the ``prior`` releases published."""
    extra: list[dict[str, dict[str, set[tuple[str, str]]]]] = [
        defaultdict(lambda: defaultdict(set)) for _ in raws
    ]
    steps: dict[tuple[int, Place], int] = defaultdict(int)
    reports = [protect(raw, threshold, seed, compare=False) for raw in raws]
    safe: set[disclosure.Sensitive] = set()
    for _ in range(MAX_ROUNDS):
        found = secrecy.intervals(
            raws, reports, skip=frozenset(safe), narrow=protection, prior=prior
        )
        failing = disclosure.narrowed(found, protection)
        if not failing:
            return [protect(raw, threshold, seed, extra[i]) for i, raw in enumerate(raws)]
        # masks only grow from here on, so an interval only widens: a figure found safe
        # stays safe and is not solved again
        safe.update(f.sensitive for f in found if f not in failing)
        for i, report in enumerate(reports):
            for guard, per_table in report.masks.items():
                for table, suppression in per_table.items():
                    extra[i][guard][table].update(suppression.masked)
        for finding in failing:
            s = finding.sensitive
            raw = raws[s.publication]
            place = (s.table, *_internal(raw, s.table, s.row, s.zone))
            step = steps[(s.publication, place)]
            steps[(s.publication, place)] += 1
            guards: tuple[str, ...]
            if step == 0 and raw.tables[s.table].dimension.family == dom.BOOKS:
                masks, guards = [place], dom.GUARDED_COUNTS
            elif step <= 1:
                masks, guards = [place], ("cell",)
            else:
                masks, guards = (
                    [place, *_largest_open(raw, reports[s.publication], place, step - 1)],
                    ("cell",),
                )
            for m in masks:
                for i, (table, row, zone) in _mirrors(raws, m, s.publication):
                    for g in guards:
                        extra[i][g][table].add((row, zone))
        reports = [
            protect(raw, threshold, seed, extra[i], compare=False) for i, raw in enumerate(raws)
        ]
    raise RuntimeError("complementary suppression did not settle")  # pragma: no cover
