"""Smallest and largest value of a linear expression over non-negative integers bound by
linear constraints (scipy's ``milp``, HiGHS), fast when most unknowns are known.

Rules kept:

- Unknowns pinned by a one-term equality (a published figure) are substituted everywhere
  first, repeatedly, so what reaches the solver is only what is still unknown.
- The rest splits into independent blocks (unknowns linked by a constraint); each
  expression is solved on the block of its unknowns only; a block is built once and keeps
  the integer solutions found in it (each one a point the attacker cannot rule out).
- When only "at least ``narrow`` wide?" matters, those solutions settle a figure they
  already span that wide, and the linear relaxation one it proves narrower, or one whose
  two ends it reaches at integer points (then they are the integer interval); only the
  others get integer programs. Every integer point a relaxation reaches joins the pool,
  and :meth:`System.seed` fills it first with a few relaxations of all figures together.
- An upper end at ``BIG`` or more means unbounded; an infeasible system is a bug of the
  model (the truth always satisfies it) and raises.
- Each integer program is bounded by a number of branch-and-bound nodes
  (:data:`NODE_LIMIT`), never by a time: the same release gives the same intervals, so the
  same masks, on a fast machine and on a loaded one. A solve that reaches the limit
  reports the best values found, which lie inside the true interval: the answer can only
  be narrower than the truth, never wider (so more is masked, never less).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

BIG = 10**7
#: branch-and-bound nodes per integer program (the releases seen so far solve at the root)
NODE_LIMIT = 10_000
Row = tuple[Mapping[int, float], float, float]  # terms, low, high


class System:
    def __init__(self, rows: Sequence[Row], count: int) -> None:
        self.fixed: dict[int, int] = {}
        live: list[Row] = [({k: v for k, v in t.items() if v}, lo, hi) for t, lo, hi in rows]
        changed = True
        while changed:
            changed = False
            rest: list[Row] = []
            for terms, lo, hi in live:
                shift = sum(v * self.fixed[k] for k, v in terms.items() if k in self.fixed)
                free = {k: v for k, v in terms.items() if k not in self.fixed}
                lo, hi = lo - shift, hi - shift
                if not free:
                    if lo > 1e-6 or hi < -1e-6:
                        raise RuntimeError(
                            "attack model infeasible: the published figures disagree"
                        )
                    continue
                if len(free) == 1 and lo == hi:
                    ((k, v),) = free.items()
                    self.fixed[k] = round(lo / v)
                    changed = True
                    continue
                rest.append((free, lo, hi))
            live = rest
        self.rows = live
        self.count = count
        self.rows_of: dict[int, list[int]] = defaultdict(list)
        for i, (terms, _, _) in enumerate(live):
            for k in terms:
                self.rows_of[k].append(i)
        self.block_of: dict[int, _Block] = {}

    def _block(self, start: Sequence[int]) -> _Block:
        """The block (connected unknowns and their constraints) holding ``start``; built
        once and kept with the integer solutions found in it."""
        first = start[0]
        if first in self.block_of:
            block = self.block_of[first]
            if all(k in block.index for k in start):
                return block
        seen_vars, seen_rows = set(start), set()
        todo = list(start)
        while todo:
            k = todo.pop()
            for i in self.rows_of.get(k, ()):
                if i in seen_rows:
                    continue
                seen_rows.add(i)
                for w in self.rows[i][0]:
                    if w not in seen_vars:
                        seen_vars.add(w)
                        todo.append(w)
        block = _Block(self, sorted(seen_vars), sorted(seen_rows))
        for k in block.index:
            self.block_of[k] = block
        return block

    def seed(self, objectives: Sequence[Mapping[int, float]], rounds: int = 4) -> None:
        """Fill each block's pool with integer points cheaply before asking for intervals:
        a few linear programs pushing all ``objectives`` of the block up, then down,
        together (random positive weights). Their integer optima are points the attacker
        cannot rule out, so most wide intervals are then settled without a solve."""
        rng = np.random.default_rng(0)
        grouped: dict[int, list[Mapping[int, float]]] = defaultdict(list)
        for objective in objectives:
            free = {k: v for k, v in objective.items() if k not in self.fixed and v}
            if free:
                grouped[id(self._block(list(free)))].append(free)
        for group in grouped.values():
            block = self._block(list(group[0]))
            for _ in range(rounds):
                c = np.zeros(len(block.index))
                for terms in group:
                    weight = rng.uniform(0.5, 1.5)
                    for k, v in terms.items():
                        c[block.index[k]] += weight * v
                for sign in (1.0, -1.0):
                    block.relaxed(sign * c)

    def interval(
        self,
        objective: Mapping[int, float],
        narrow: int | None = None,
        node_limit: int | None = None,
    ) -> tuple[int, int]:
        """The interval of ``objective``. With ``narrow``, only whether it is at least
        that wide matters, so: an interval the linear relaxation already shows narrower
        is returned without integer programs; and one that integer solutions already
        found span at least ``narrow`` wide is returned as those solutions' values
        (inside the true interval, at least ``narrow`` wide)."""
        known = sum(v * self.fixed[k] for k, v in objective.items() if k in self.fixed)
        free = {k: v for k, v in objective.items() if k not in self.fixed and v}
        base = round(known)
        if not free:
            return base, base
        block = self._block(list(free))
        c = np.zeros(len(block.index))
        for k, v in free.items():
            c[block.index[k]] += v
        if narrow is not None:
            span = block.span(c)
            if span is not None and span[1] - span[0] >= narrow:
                return base + span[0], base + span[1]
            relaxed = []  # the linear relaxation, largest value first
            for sign in (-1.0, 1.0):
                end = block.relaxed(sign * c)
                span = block.span(c)
                if span is not None and span[1] - span[0] >= narrow:
                    return base + span[0], base + span[1]
                if end is None:
                    break
                relaxed.append(end)
            if len(relaxed) == 2:
                (hi_r, hi_whole), (lo_r, lo_whole) = relaxed
                hi_r = -hi_r
                # both ends at integer points: the relaxation's interval is the integer one
                exact = hi_whole and lo_whole
                if exact or math.floor(hi_r + 1e-6) - math.ceil(lo_r - 1e-6) < narrow:
                    return base + math.ceil(lo_r - 1e-6), base + math.floor(hi_r + 1e-6)
        ends: list[int | None] = []
        for sign in (-1.0, 1.0):  # the largest value first: it is the one usually far
            ends.append(block.solve(sign * c, node_limit or NODE_LIMIT))
            if narrow is not None and sign == -1.0:
                span = block.span(c)
                if span is not None and span[1] - span[0] >= narrow:
                    return base + span[0], base + span[1]
        high_end, low_end = ends
        if high_end is not None:
            high_end = -high_end
        low_end = low_end if low_end is not None else high_end
        high_end = high_end if high_end is not None else low_end
        if low_end is None or high_end is None:
            return base, base
        return base + low_end, base + high_end


class _Block:
    """One independent block of the system, as matrices for scipy, with the integer
    solutions found so far (any of them is a point the attacker cannot rule out)."""

    def __init__(self, system: System, variables: list[int], rows: list[int]) -> None:
        self.index = {k: j for j, k in enumerate(variables)}
        n = len(variables)
        data, ri, ci = [], [], []
        for r, i in enumerate(rows):
            for k, v in system.rows[i][0].items():
                ri.append(r)
                ci.append(self.index[k])
                data.append(v)
        self.cons = []
        if rows:
            matrix = coo_array((data, (ri, ci)), shape=(len(rows), n)).tocsr()
            low = np.array([system.rows[i][1] for i in rows])
            high = np.array([system.rows[i][2] for i in rows])
            self.cons = [LinearConstraint(matrix, low, high)]
        self.bounds = Bounds(np.zeros(n), np.full(n, BIG))
        self.n = n
        self.pool: list[np.ndarray] = []

    def span(self, c: np.ndarray) -> tuple[int, int] | None:
        if not self.pool:
            return None
        values = [round(float(c @ x)) for x in self.pool]
        return min(values), max(values)

    def relaxed(self, c: np.ndarray) -> tuple[float, bool] | None:
        """The smallest value of ``c @ x`` over reals, and whether it is reached at an
        integer point (kept in the pool)."""
        res = milp(c, bounds=self.bounds, constraints=self.cons, options={"presolve": False})
        if res.status != 0:
            return None
        return float(c @ res.x), self.integer_point(res.x)

    def integer_point(self, x: np.ndarray) -> bool:
        """Keep ``x`` in the pool if it is an integer solution (checked exactly)."""
        point = np.round(x)
        if np.abs(x - point).max(initial=0) > 1e-7 or point.min(initial=0) < 0:
            return False
        for con in self.cons:
            value = con.A @ point
            if (value < con.lb - 1e-7).any() or (value > con.ub + 1e-7).any():
                return False
        self.pool.append(point)
        return True

    def solve(self, c: np.ndarray, node_limit: int) -> int | None:
        """The smallest value of ``c @ x`` over integers (None: nothing found within the
        node limit)."""
        res = milp(
            c,
            integrality=np.ones(self.n),
            bounds=self.bounds,
            constraints=self.cons,
            options={"node_limit": node_limit},
        )
        if res.status == 2:
            raise RuntimeError(f"attack model infeasible: {res.message}")
        # out of nodes: the best value found lies inside the true interval, so the
        # interval reported is narrower than the truth (errs towards masking more)
        if res.x is None:
            return None
        x = np.round(res.x)
        self.pool.append(x)
        return round(float(c @ x))


@dataclass
class Model:
    """Linear constraints over named unknowns, built one row at a time."""

    count: int = 0
    names: dict[tuple, int] = field(default_factory=dict)
    rows: list[tuple[dict[int, float], float, float]] = field(default_factory=list)

    def var(self, key: tuple) -> int:
        if key not in self.names:
            self.names[key] = self.count
            self.count += 1
        return self.names[key]

    def add(self, terms: Mapping[int, float], low: float, high: float) -> None:
        merged: dict[int, float] = defaultdict(float)
        for k, v in terms.items():
            merged[k] += v
        self.rows.append((dict(merged), low, high))

    def eq(self, terms: Mapping[int, float], value: float) -> None:
        self.add(terms, value, value)

    def le(self, small: Mapping[int, float], big: Mapping[int, float], slack: float = 0) -> None:
        """sum(small) <= sum(big) + slack."""
        terms: dict[int, float] = defaultdict(float)
        for k, v in small.items():
            terms[k] += v
        for k, v in big.items():
            terms[k] -= v
        self.add(terms, -np.inf, slack)


def sum_of(keys: Iterable[int]) -> dict[int, float]:
    out: dict[int, float] = defaultdict(float)
    for k in keys:
        out[k] += 1
    return out
