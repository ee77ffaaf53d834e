"""Small-cell suppression (statistical secrecy) for the tables an evaluator receives.

Rules kept:

- **Threshold**: a cell describing from 1 to ``threshold - 1`` people is masked (*primary*
  suppression). The threshold is 11 by default and may only be raised: asking for less is
  refused (``threshold_too_low``). Zero cells stay visible (they describe nobody).
- A cell may carry a *complement* (for "books started", the books handed out but not
  started): if that complement counts 1 to ``threshold - 1`` people the cell is masked too,
  since subtracting it from a visible total would reveal a small group.
- **Secondary suppression**: a table is published with its margins (row totals, column
  totals, grand total), which are linear equations linking its cells. A masked cell is
  safe only if those equations cannot pin it down. Seen as a bipartite graph (one vertex
  per row and per column, margins included; one edge per masked cell), the masked values
  are determined exactly when their edge is a *bridge* (lies on no cycle). So extra cells
  are masked, the smallest first and interior cells before totals, until no masked edge is
  a bridge. Masking every non-zero cell has no bridge, so the search always ends.
- **Linked tables**: tables of the same family share their "ensemble" row (the totals by
  zone). A cell of that row masked in one table is masked in all of them, and the
  secondary search is rerun until nothing changes.
- The result says which cells were masked and why, and writes the French note that goes
  into every export.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from voucher.domain.errors import DomainError, register

DEFAULT_THRESHOLD = 11
TOTAL = "ensemble"

Key = tuple[str, str]

register(
    "threshold_too_low",
    "Le seuil de secret statistique ne peut pas être inférieur à 11 "
    "personnes : il peut seulement être relevé.",
)


def checked_threshold(value: int | None) -> int:
    """The threshold to use: 11 unless a higher one is asked; lower is refused."""
    if value is None:
        return DEFAULT_THRESHOLD
    if value < DEFAULT_THRESHOLD:
        raise DomainError("threshold_too_low", threshold=value)
    return int(value)


@dataclass(frozen=True)
class Grid:
    """One table of counts with its margins. ``values`` maps (row, column) to a count for
    interior cells and for the margins ``(row, TOTAL)``, ``(TOTAL, column)`` and
    ``(TOTAL, TOTAL)``; a missing key counts zero."""

    rows: tuple[str, ...]
    cols: tuple[str, ...]
    values: Mapping[Key, int]
    complements: Mapping[Key, int] = field(default_factory=dict)

    def cells(self) -> list[Key]:
        return [(r, c) for r in (*self.rows, TOTAL) for c in (*self.cols, TOTAL)]

    def value(self, key: Key) -> int:
        return int(self.values.get(key, 0))


@dataclass(frozen=True)
class Suppression:
    threshold: int
    primary: frozenset[Key]
    secondary: frozenset[Key]

    @property
    def masked(self) -> frozenset[Key]:
        return self.primary | self.secondary

    def is_masked(self, row: str, col: str) -> bool:
        return (row, col) in self.primary or (row, col) in self.secondary


def _small(value: int, threshold: int) -> bool:
    return 0 < value < threshold


def primary_cells(grid: Grid, threshold: int) -> set[Key]:
    return {
        k
        for k in grid.cells()
        if _small(grid.value(k), threshold) or _small(int(grid.complements.get(k, 0)), threshold)
    }


def _vertices(key: Key) -> tuple[tuple[str, str], tuple[str, str]]:
    return ("r", key[0]), ("c", key[1])


def _connected(edges: Iterable[Key], start: tuple[str, str], goal: tuple[str, str]) -> bool:
    graph: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    for e in edges:
        a, b = _vertices(e)
        graph[a].append(b)
        graph[b].append(a)
    seen, todo = {start}, [start]
    while todo:
        v = todo.pop()
        if v == goal:
            return True
        for w in graph[v]:
            if w not in seen:
                seen.add(w)
                todo.append(w)
    return False


def is_exposed(masked: set[Key] | frozenset[Key], key: Key) -> bool:
    """True when the margins determine the masked cell ``key`` (its edge is a bridge)."""
    a, b = _vertices(key)
    return not _connected((e for e in masked if e != key), a, b)


def exposed_cells(masked: set[Key] | frozenset[Key]) -> list[Key]:
    """Every masked cell the margins determine: the bridges of the masked-cell graph
    (Tarjan's low-link, iterative, linear in the number of masked cells)."""
    graph: dict[tuple[str, str], list[tuple[tuple[str, str], Key]]] = defaultdict(list)
    for key in masked:
        a, b = _vertices(key)
        graph[a].append((b, key))
        graph[b].append((a, key))
    order: dict[tuple[str, str], int] = {}
    low: dict[tuple[str, str], int] = {}
    bridges: list[Key] = []
    for root in sorted(graph):
        if root in order:
            continue
        order[root] = low[root] = len(order)
        stack: list[tuple[tuple[str, str], Key | None, int]] = [(root, None, 0)]
        while stack:
            v, via, i = stack[-1]
            if i < len(graph[v]):
                stack[-1] = (v, via, i + 1)
                w, edge = graph[v][i]
                if edge == via:
                    continue
                if w in order:
                    low[v] = min(low[v], order[w])
                else:
                    order[w] = low[w] = len(order)
                    stack.append((w, edge, 0))
                continue
            stack.pop()
            if stack:
                parent = stack[-1][0]
                low[parent] = min(low[parent], low[v])
                if low[v] > order[parent] and via is not None:
                    bridges.append(via)
    return sorted(bridges)


def _rank(grid: Grid, key: Key) -> tuple[int, int, Key]:
    is_margin = TOTAL in key
    return (int(is_margin), grid.value(key), key)


def _rectangle_for(grid: Grid, masked: set[Key], bridge: Key) -> set[Key] | None:
    """The cheapest set of cells closing a 4-cycle through ``bridge`` (zero cells are known
    to everyone, so they cannot hide anything)."""
    r, c = bridge
    best: tuple[tuple[int, int], set[Key]] | None = None
    for r2 in (*grid.rows, TOTAL):
        for c2 in (*grid.cols, TOTAL):
            if r2 == r or c2 == c:
                continue
            new = {(r, c2), (r2, c), (r2, c2)} - masked
            if any(grid.value(k) <= 0 for k in new):
                continue
            cost = (sum(TOTAL in k for k in new), sum(grid.value(k) for k in new))
            if best is None or (cost, sorted(new)) < (best[0], sorted(best[1])):
                best = (cost, new)
    return best[1] if best else None


def _complement_for(grid: Grid, masked: set[Key], bridge: Key) -> set[Key]:
    open_cells = [k for k in grid.cells() if k not in masked and grid.value(k) > 0]
    near = [k for k in open_cells if k[0] == bridge[0] or k[1] == bridge[1]]
    fixing = [k for k in near if not is_exposed(masked | {k}, bridge)]
    if fixing:
        return {min(fixing, key=lambda k: _rank(grid, k))}
    rectangle = _rectangle_for(grid, masked, bridge)
    if rectangle:
        return rectangle
    for pool in (near, open_cells):
        if pool:
            return {min(pool, key=lambda k: _rank(grid, k))}
    return set()


def suppress(
    grid: Grid, threshold: int = DEFAULT_THRESHOLD, forced: Iterable[Key] = ()
) -> Suppression:
    """Primary then secondary suppression of one table; ``forced`` cells (masked in a
    linked table) are masked here too when they are not zero."""
    threshold = checked_threshold(threshold)
    primary = primary_cells(grid, threshold)
    masked = set(primary) | {k for k in forced if grid.value(k) > 0}
    while True:
        exposed = exposed_cells(masked)
        if not exposed:
            break
        extra = _complement_for(grid, masked, exposed[0])
        if not extra:  # everything non-zero is masked already
            break
        masked |= extra
    return Suppression(threshold, frozenset(primary), frozenset(masked - primary))


def suppress_linked(
    grids: Mapping[str, Grid],
    threshold: int = DEFAULT_THRESHOLD,
    forced: Mapping[str, Iterable[Key]] | None = None,
) -> dict[str, Suppression]:
    """Suppress tables sharing their ``TOTAL`` row, consistently across all of them;
    ``forced`` gives cells already masked per table (by another, coarser rule)."""
    given = {name: set((forced or {}).get(name, ())) for name in grids}
    shared: set[Key] = set()
    while True:
        done = {
            name: suppress(grid, threshold, given[name] | shared) for name, grid in grids.items()
        }
        found = {k for s in done.values() for k in s.masked if k[0] == TOTAL}
        if found <= shared:
            return done
        shared |= found


def note(threshold: int, primary: int, secondary: int, what: str = "personnes") -> str:
    """The French note every export carries."""
    text = (
        f"Secret statistique : toute case décrivant de 1 à {threshold - 1} {what} est masquée "
        f"(seuil : {threshold}), de même qu'une part dont le complément compte de 1 à "
        f"{threshold - 1} {what}. "
    )
    if primary == 0 and secondary == 0:
        return text + "Aucune case n'a eu besoin d'être masquée dans cet export."
    text += f"{primary} case{'s' if primary > 1 else ''} {'ont' if primary > 1 else 'a'} été masquée{'s' if primary > 1 else ''} pour cette raison"
    if secondary:
        text += (
            f", et {secondary} autre{'s' if secondary > 1 else ''} en complément (secret "
            "secondaire), pour qu'aucun total ni aucune différence de totaux ne permette de "
            "les retrouver"
        )
    return text + ". Une case masquée est laissée vide et signalée dans la colonne « masque »."
