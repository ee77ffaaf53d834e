"""The attacker: how narrowly can a masked count be pinned down from everything published?

Statistical offices check a release by *interval disclosure*: for each suppressed cell, the
smallest and largest value consistent with every published figure. Here that is an integer
program (scipy's ``milp``, HiGHS) over non-negative integer unknowns, one per count, with:

- every published value fixed;
- the margins: per programme, book counts add up over the rows of a table and over the zone
  kinds (a row absent from a table is zero); distinct people add up over zone kinds, and
  over rows only where a person has one value (population, age band, status, evaluation
  outcome), otherwise a row is at most the total and the rows together at least the total;
- the tables of a family share their "ensemble" row; a figure over several programmes is
  the sum of the programmes' book counts (distinct people: at least each programme's, at
  most their sum); the dispositif table's row of a programme is that programme's total;
- what every reader knows of books: started <= handed out, completed <= started, followed
  for autonomy <= started, improved <= followed, beneficiaries <= books handed out, handed
  out <= activated <= issued, a started book has at least one redeemed voucher (and at most
  ``max_book_size``), a completed one at least ``min_book_size``; people who used a voucher
  <= started books; the vouchers redeemed are the same in both families;
- a table of a family without a model here (another module's figures): its people counts
  add up over zone kinds (over rows if a person has one row), a part <= its whole;
- what derived figures give away: N "active places" mean N vouchers redeemed; quartiles of
  the delays are published only over at least ``threshold`` started books; a published
  share pins its numerator to its denominator times the share, within rounding.

A *sensitive* figure is a masked count of 1 to threshold - 1 people, or the complement of a
masked part (handed out but not started, ...) of that size. The release is safe when each
sensitive figure's interval is at least ``protection`` wide (it always contains the truth).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from voucher.domain.bounds import Model as _Model
from voucher.domain.bounds import System
from voucher.domain.bounds import sum_of as _sum

TOTAL = "ensemble"
ZONES = ("rural", "urbain", "non_renseigne")
BOOKS, SESSIONS = "carnets", "seances"
#: book counts that add up over rows, zones and programmes
ADDITIVE = {
    BOOKS: (
        "carnets_emis",
        "carnets_actives",
        "carnets_remis",
        "carnets_commences",
        "carnets_termines",
        "cheques_remis",
        "cheques_encaisses",
        "autonomie_evaluables",
        "autonomie_progression",
    ),
    SESSIONS: ("cheques_encaisses",),
}
PEOPLE = "beneficiaires"
#: dimensions where a person has exactly one row (tables of other families say it themselves)
ONE_ROW_PER_PERSON = {"population", "tranche_age", "statut_social"}
#: dimensions where a book may count in several rows (co-funders, overlapping pilot zones)
OVERLAPPING_BOOKS = {"financeur", "zone_pilote"}
PARTS = (  # (part, whole): part <= whole in every cell
    ("carnets_commences", "carnets_remis"),
    ("carnets_termines", "carnets_commences"),
    ("autonomie_evaluables", "carnets_commences"),
    ("autonomie_progression", "autonomie_evaluables"),
    ("carnets_remis", "carnets_actives"),
    ("carnets_actives", "carnets_emis"),
    ("carnets_commences", "cheques_encaisses"),
)
SHARES = (("part_progression_autonomie", "autonomie_progression", "autonomie_evaluables", 4),)
QUARTILES = tuple(f"delai_premiere_seance_{q}_jours" for q in ("q1", "mediane", "q3"))

Value = int | float | None


@dataclass(frozen=True)
class Table:
    """One published table: ``cells[(row, zone)][measure]`` is the value shown, None when
    masked; a (row, zone) that is absent describes nobody."""

    name: str
    family: str
    dimension: str
    rows: tuple[str, ...]
    cells: Mapping[tuple[str, str], Mapping[str, Value]]
    #: for a family without a model here (not in ``ADDITIVE``): its people counts, each
    #: (part, whole) with part <= whole, and whether a person has exactly one row
    counts: tuple[str, ...] = (PEOPLE,)
    parts: tuple[tuple[str, str], ...] = ()
    one_row_per_person: bool = False


@dataclass(frozen=True)
class Publication:
    """Tables published together for one set of programmes (one view, every format)."""

    programmes: frozenset[int]
    tables: tuple[Table, ...]
    label: str = ""


@dataclass(frozen=True)
class Sensitive:
    """A masked figure that describes a small group: ``measure`` of one cell, or, with
    ``whole``, the complement ``whole - measure``; ``value`` is the truth."""

    publication: int  # index in the list given to :func:`attack`
    table: str
    row: str
    zone: str
    measure: str
    value: int
    whole: str | None = None
    #: the value an earlier release published for this count: the figure is then the
    #: increment since (``value``), as small as a group of that many people
    since: int | None = None

    def describe(self) -> str:
        what = f"{self.whole} - {self.measure}" if self.whole else self.measure
        if self.since is not None:
            what += f" - {self.since}"
        return f"{self.table}[{self.row}, {self.zone}].{what}"


@dataclass(frozen=True)
class Earlier:
    """What an earlier release published of a count of ``publication``'s cell: counts only
    grow, so the count is at least ``value`` (exactly ``value`` with ``same``: the same
    period, unchanged)."""

    publication: int
    table: str
    row: str
    zone: str
    measure: str
    value: int
    same: bool = False


@dataclass(frozen=True)
class Finding:  # high at BIG or more: unbounded
    sensitive: Sensitive
    low: int
    high: int

    @property
    def width(self) -> int:
        return self.high - self.low


class _Builder:
    def __init__(self, publications: Sequence[Publication], threshold: int, sizes: tuple) -> None:
        self.pubs = publications
        self.threshold = threshold
        self.min_size, self.max_size = sizes
        self.m = _Model()
        self.programmes = sorted({p for pub in publications for p in pub.programmes})
        self.rows: dict[tuple[str, str], set[str]] = defaultdict(set)  # (family, table) -> rows
        self.dims: dict[tuple[str, str], str] = {}
        self.other: dict[tuple[str, str], Table] = {}  # tables of families without a model
        for pub in publications:
            for t in pub.tables:
                self.rows[(t.family, t.name)].update(t.rows)
                self.dims[(t.family, t.name)] = t.dimension
                if t.family not in ADDITIVE:
                    self.other[(t.family, t.name)] = t
        self.structure()
        self.published()

    # unknowns -----------------------------------------------------------------------
    def atom(self, p: int, family: str, table: str, row: str, zone: str, measure: str) -> int:
        """A book count (or vouchers) of one programme; the ensemble row is shared."""
        if row == TOTAL:
            table = "*"
        return self.m.var(("a", p, family, table, row, zone, measure))

    def people(
        self, scope: frozenset[int], family: str, table: str, row: str, zone: str, m: str = PEOPLE
    ) -> int:
        """Distinct people of ``scope`` (or, in a family without a model, its count ``m``)."""
        if row == TOTAL and family in ADDITIVE:
            table = "*"
        return self.m.var(("b", tuple(sorted(scope)), family, table, row, zone, m))

    def expr(
        self, scope: frozenset[int], family: str, table: str, row: str, zone: str, measure: str
    ) -> dict[int, float]:
        if measure == PEOPLE or family not in ADDITIVE:
            return {self.people(scope, family, table, row, zone, measure): 1.0}
        return _sum(self.atom(p, family, table, row, zone, measure) for p in sorted(scope))

    # structure ----------------------------------------------------------------------
    def structure(self) -> None:
        scopes = {pub.programmes for pub in self.pubs} | {frozenset({p}) for p in self.programmes}
        for family, measures in ADDITIVE.items():
            for p in self.programmes:
                for (fam, table), rows in self.rows.items():
                    if fam != family:
                        continue
                    dim = self.dims[(fam, table)]
                    for measure in measures:
                        self._margins(
                            family,
                            table,
                            rows,
                            lambda r, z, t=table, mm=measure, pp=p, f=family: self.atom(
                                pp, f, t, r, z, mm
                            ),
                            additive_rows=dim not in OVERLAPPING_BOOKS,
                        )
                        if dim == "dispositif":  # a programme's books are in its own row only
                            for r in rows - {str(p)}:
                                for z in (*ZONES, TOTAL):
                                    self.m.eq({self.atom(p, family, table, r, z, measure): 1}, 0)
                    self._book_relations(p, family, table, rows)
        for scope in scopes:
            for (family, table), rows in self.rows.items():
                if family not in ADDITIVE:
                    self._other(scope, self.other[(family, table)], rows)
                    continue
                dim = self.dims[(family, table)]
                self._margins(
                    family,
                    table,
                    rows,
                    lambda r, z, s=scope, t=table, f=family: self.people(s, f, t, r, z),
                    additive_rows=dim in ONE_ROW_PER_PERSON,
                )
                for r in (*rows, TOTAL):
                    for z in (*ZONES, TOTAL):
                        self._people_relations(scope, family, table, r, z)

    def _margins(self, family, table, rows, var, *, additive_rows: bool) -> None:
        for r in (*rows, TOTAL):
            self.m.eq({**_sum(var(r, z) for z in ZONES), var(r, TOTAL): -1.0}, 0)
        for z in (*ZONES, TOTAL):
            inner = _sum(var(r, z) for r in rows)
            total = var(TOTAL, z)
            if additive_rows:
                self.m.eq({**inner, total: -1.0}, 0)
            else:
                self.m.le({total: 1}, inner)
                for r in rows:
                    self.m.le({var(r, z): 1}, {total: 1})

    def _other(self, scope: frozenset[int], t: Table, rows: set[str]) -> None:
        """A table of a family without a model (see the module rules)."""

        def v(m: str, r: str, z: str, s: frozenset[int] = scope) -> int:
            return self.people(s, t.family, t.name, r, z, m)

        for m in t.counts:
            margins = lambda r, z, mm=m: v(mm, r, z)  # noqa: E731
            self._margins(t.family, t.name, rows, margins, additive_rows=t.one_row_per_person)
        for r, z in ((r, z) for r in (*rows, TOTAL) for z in (*ZONES, TOTAL)):
            for m in t.counts:
                self._spread(scope, lambda s: v(m, r, z, s))  # noqa: B023 (called at once)
            for part, whole in t.parts:
                self.m.le({v(part, r, z): 1.0}, {v(whole, r, z): 1.0})

    def _book_relations(self, p: int, family: str, table: str, rows: set[str]) -> None:
        for r in (*rows, TOTAL):
            for z in (*ZONES, TOTAL):
                a = lambda m, r=r, z=z: {self.atom(p, family, table, r, z, m): 1.0}  # noqa: E731
                if family == SESSIONS:
                    continue
                for part, whole in PARTS:
                    self.m.le(a(part), a(whole))
                self.m.le(
                    {k: self.min_size * v for k, v in a("carnets_termines").items()},
                    a("cheques_encaisses"),
                )
                self.m.le(
                    {k: self.min_size * v for k, v in a("carnets_remis").items()},
                    a("cheques_remis"),
                )
                if self.max_size:
                    self.m.le(
                        a("cheques_encaisses"),
                        {k: self.max_size * v for k, v in a("carnets_commences").items()},
                    )
                    self.m.le(
                        a("cheques_remis"),
                        {k: self.max_size * v for k, v in a("carnets_remis").items()},
                    )
        if family == BOOKS:  # the same vouchers redeemed, seen from both families
            for z in (*ZONES, TOTAL):
                self.m.eq(
                    {
                        self.atom(p, BOOKS, "*", TOTAL, z, "cheques_encaisses"): 1.0,
                        self.atom(p, SESSIONS, "*", TOTAL, z, "cheques_encaisses"): -1.0,
                    },
                    0,
                )

    def _people_relations(self, scope, family, table, r, z) -> None:
        ben = {self.people(scope, family, table, r, z): 1.0}
        if family == BOOKS:
            self.m.le(ben, self.expr(scope, family, table, r, z, "carnets_remis"))
        else:
            self.m.le(ben, self.expr(scope, family, table, r, z, "cheques_encaisses"))
            if r == TOTAL:
                self.m.le(ben, self.expr(scope, BOOKS, "*", TOTAL, z, "carnets_commences"))
        self._spread(scope, lambda s: self.people(s, family, table, r, z))

    def _spread(self, scope: frozenset[int], var: Callable[[frozenset[int]], int]) -> None:
        """People of several programmes: between the largest programme's and their sum."""
        if len(scope) > 1:
            singles = [var(frozenset({p})) for p in sorted(scope)]
            self.m.le({var(scope): 1.0}, _sum(singles))
            for one in singles:
                self.m.le({one: 1.0}, {var(scope): 1.0})

    # what was published -----------------------------------------------------------
    def published(self) -> None:
        for pub in self.pubs:
            for t in pub.tables:
                rows = self.rows[(t.family, t.name)]
                for r in (*rows, TOTAL):
                    for z in (*ZONES, TOTAL):
                        cell = t.cells.get((r, z))
                        self._cell(pub.programmes, t, r, z, cell)

    def _cell(self, scope, t: Table, r: str, z: str, cell: Mapping[str, Value] | None) -> None:
        measures = (PEOPLE, *ADDITIVE[t.family]) if t.family in ADDITIVE else t.counts
        for m in measures:
            if cell is not None and m not in cell:
                continue  # not a measure of this family
            value = 0 if cell is None else cell[m]
            if value is None:
                continue
            self.m.eq(self.expr(scope, t.family, t.name, r, z, m), int(value))
        if cell is None or t.family not in ADDITIVE:
            return
        e = lambda m: self.expr(scope, t.family, t.name, r, z, m)  # noqa: E731
        places = cell.get("lieux_actifs")
        if places is not None and places > 0:
            self.m.add(e("cheques_encaisses"), int(places), np.inf)
        if t.family != BOOKS:
            return
        if any(cell.get(q) is not None for q in QUARTILES):
            self.m.add(e("carnets_commences"), self.threshold, np.inf)
        for share, num, den, digits in SHARES:
            s = cell.get(share)
            if s is None:
                continue
            half = 0.5 * 10**-digits + 1e-9
            n, d = e(num), e(den)
            # (s - half) * den <= num <= (s + half) * den
            self.m.le({k: (s - half) * v for k, v in d.items()}, n)
            self.m.le(n, {k: (s + half) * v for k, v in d.items()})
            self.m.add(d, 1, np.inf)


def attack(
    publications: Sequence[Publication],
    sensitive: Sequence[Sensitive],
    *,
    threshold: int,
    min_book_size: int = 1,
    max_book_size: int | None = None,
    narrow: int | None = None,
    earlier: Sequence[Earlier] = (),
) -> list[Finding]:
    """The attacker's interval for every sensitive figure, given all ``publications`` and
    what ``earlier`` releases published (with ``narrow``: an interval narrower than that
    may be reported without its exact integer ends)."""
    b = _Builder(publications, threshold, (min_book_size, max_book_size))
    for e in earlier:
        pub = publications[e.publication]
        family = next(t.family for t in pub.tables if t.name == e.table)
        known = b.expr(pub.programmes, family, e.table, e.row, e.zone, e.measure)
        b.m.add(known, e.value, e.value if e.same else np.inf)
    system = System(b.m.rows, b.m.count)
    targets = []
    for s in sensitive:
        pub = publications[s.publication]
        family = next(t.family for t in pub.tables if t.name == s.table)
        target = dict(b.expr(pub.programmes, family, s.table, s.row, s.zone, s.measure))
        if s.whole:
            whole = b.expr(pub.programmes, family, s.table, s.row, s.zone, s.whole)
            target = {k: whole.get(k, 0) - target.get(k, 0) for k in whole.keys() | target}
        targets.append(target)
    system.seed(targets)  # integer points found at once: most wide intervals need no solve
    pairs = zip(sensitive, targets, strict=True)
    return [Finding(s, *system.interval(t, narrow)) for s, t in pairs]


def narrowed(findings: Iterable[Finding], protection: int) -> list[Finding]:
    """The sensitive figures the attacker pins within less than ``protection``."""
    return [f for f in findings if f.width < protection]
