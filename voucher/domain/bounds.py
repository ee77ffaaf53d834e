"""Smallest and largest value of a linear expression over non-negative integers bound by
linear constraints (scipy's ``milp``, HiGHS), fast when most unknowns are known.

Rules kept:

- Unknowns pinned by a one-term equality (a published figure) are substituted everywhere
  first, repeatedly, so what reaches the solver is only what is still unknown.
- The rest splits into independent blocks (unknowns linked by a constraint); each
  expression is solved on the block of its unknowns only.
- An upper end at ``BIG`` or more means unbounded; an infeasible system is a bug of the
  model (the truth always satisfies it) and raises.
- A solve that runs out of time reports the best values found, which lie inside the true
  interval: the answer can only be narrower than the truth, never wider.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

BIG = 10**7
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

    def _block(self, start: Sequence[int]) -> tuple[list[int], list[int]]:
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
        return sorted(seen_vars), sorted(seen_rows)

    def interval(
        self,
        objective: Mapping[int, float],
        narrow: int | None = None,
        time_limit: float = 1.0,
    ) -> tuple[int, int]:
        """The interval of ``objective``; with ``narrow``, an interval already known to be
        narrower than that (from the linear relaxation) is returned without the integer
        programs."""
        known = sum(v * self.fixed[k] for k, v in objective.items() if k in self.fixed)
        free = {k: v for k, v in objective.items() if k not in self.fixed and v}
        if not free:
            return round(known), round(known)
        variables, rows = self._block(list(free))
        index = {k: j for j, k in enumerate(variables)}
        data, ri, ci = [], [], []
        for r, i in enumerate(rows):
            for k, v in self.rows[i][0].items():
                ri.append(r)
                ci.append(index[k])
                data.append(v)
        n = len(variables)
        c = np.zeros(n)
        for k, v in free.items():
            c[index[k]] += v
        cons = []
        if rows:
            matrix = coo_array((data, (ri, ci)), shape=(len(rows), n)).tocsr()
            low = np.array([self.rows[i][1] for i in rows])
            high = np.array([self.rows[i][2] for i in rows])
            cons = [LinearConstraint(matrix, low, high)]
        bounds = Bounds(np.zeros(n), np.full(n, BIG))
        if narrow is not None:  # the relaxation's interval holds the integer one
            relaxed = [milp(sign * c, bounds=bounds, constraints=cons) for sign in (1.0, -1.0)]
            if all(r.status == 0 for r in relaxed):
                lo_r, hi_r = (float(c @ r.x) for r in relaxed)
                if math.floor(hi_r + 1e-6) - math.ceil(lo_r - 1e-6) < narrow:
                    return round(known) + math.ceil(lo_r - 1e-6), round(known) + math.floor(
                        hi_r + 1e-6
                    )
        ends: list[int | None] = []
        for sign in (1.0, -1.0):
            res = milp(
                sign * c,
                integrality=np.ones(n),
                bounds=bounds,
                constraints=cons,
                options={"time_limit": time_limit},
            )
            if res.status == 2:
                raise RuntimeError(f"attack model infeasible: {res.message}")
            # out of time: the best value found lies inside the true interval, so the
            # interval reported is narrower than the truth (errs towards masking more)
            ends.append(None if res.x is None else round(float(c @ res.x)))
        low_end = ends[0] if ends[0] is not None else ends[1]
        high_end = ends[1] if ends[1] is not None else low_end
        if low_end is None or high_end is None:
            return round(known), round(known)
        return round(known) + low_end, round(known) + high_end
