"""Did people gain autonomy? Per-beneficiary outcome and an adjusted rural/urban comparison.

Rules kept:

- The unit is the **beneficiary** (a person), never the carnet: a person's sessions are
  taken together, in time order, across all their carnets.
- A person is **evaluable** with at least two sessions where the autonomy level (national
  scale: ``entierement_accompagne`` < ``partiellement_autonome`` < ``autonome``) was noted.
  An evaluable person is exactly one of: ``deja_autonome`` (first level noted already
  ``autonome``: they cannot improve on this scale), ``progres`` (last level above the
  first), ``stable`` (same), ``recul`` (last below the first).
- The rural/urban comparison of "progress" is among evaluable people who could progress
  (not already autonomous), **adjusted** by logistic regression (statsmodels ``Logit``) on
  the number of sessions and, when given, the priority population and the age band (one
  indicator per level, the first level as reference). It is reported as the **average
  marginal effect** of living in a rural zone, in percentage points, with its 95 % delta-
  method interval, and as an odds ratio with its interval. When one person gives several
  rows (carnets: a person may hold two), the covariance is **cluster-robust by person**:
  their rows are not independent, and the model's own covariance would make the interval
  too narrow (in worlds where a person's carnets share their fate, a 95 % interval then
  covers 80 % of the time; clustered, 95 %: ``tests/domain/test_coverage.py``).
- Words never claim more than the interval: "significant" only when the interval of the gap
  excludes 0; otherwise "ces données ne permettent pas de dire…", which is not "no gap". A
  gap between zones is an observed difference, not an effect of the programme.
- **Secrecy**: the comparison rests on four counts of people per zone (progress and its
  complement, rural and urban); it is published only when each is 0 or at least the
  threshold, i.e. only from cells that are themselves published.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np

from voucher.domain.vocab import AUTONOMY_RANK

CATEGORIES: dict[str, str] = {
    "progres": "Autonomie en progrès (dernier niveau noté au-dessus du premier)",
    "stable": "Même niveau au début et à la fin",
    "recul": "Niveau en baisse (dernier niveau noté au-dessous du premier)",
    "deja_autonome": "Déjà autonome à la première séance notée",
    "non_evaluable": "Moins de deux séances où le niveau a été noté",
}
RURAL, URBAN = "rural", "urbain"
COVARIATE_WORDS = {"population": "public prioritaire", "tranche_age": "tranche d'âge"}


@dataclass(frozen=True)
class Person:
    """One beneficiary: zone kind, autonomy levels noted in time order, accepted sessions."""

    zone: str
    levels: Sequence[str]
    sessions: int
    #: extra adjustment variables, e.g. {"population": "seniors", "tranche_age": "65_plus"}
    covariates: Mapping[str, str] = field(default_factory=dict)


def category(levels: Sequence[str]) -> str:
    noted = [AUTONOMY_RANK[lv] for lv in levels if lv in AUTONOMY_RANK]
    if len(noted) < 2:
        return "non_evaluable"
    first, last = noted[0], noted[-1]
    if first == max(AUTONOMY_RANK.values()):
        return "deja_autonome"
    if last > first:
        return "progres"
    return "stable" if last == first else "recul"


def table(people: Sequence[Person]) -> dict[str, dict[str, int]]:
    """zone -> category -> number of people, with an ``ensemble`` zone; unit: beneficiaries."""
    out: dict[str, dict[str, int]] = {}
    for p in people:
        c = category(p.levels)
        for z in (p.zone, "ensemble"):
            row = out.setdefault(z, dict.fromkeys(CATEGORIES, 0))
            row[c] += 1
    return out


@dataclass(frozen=True)
class Adjusted:
    """The adjusted rural − urban gap in the share of people who progressed."""

    n_rural: int
    n_urban: int
    progress_rural: int
    progress_urban: int
    #: raw shares (not adjusted), for the reader
    raw_rural: float
    raw_urban: float
    #: average marginal effect of rural, as a share (0.15 = 15 points), with 95 % interval
    gap: float | None
    low: float | None
    high: float | None
    odds_ratio: float | None
    odds_low: float | None
    odds_high: float | None
    adjusted_for: tuple[str, ...]
    published: bool
    conclusion: str

    @property
    def significant(self) -> bool | None:
        if self.gap is None or self.low is None or self.high is None:
            return None
        return not (self.low <= 0 <= self.high)

    def withheld(self, reason: str) -> Adjusted:
        """The same comparison with nothing estimated shown: published cells protect it."""
        return replace(
            self,
            gap=None,
            low=None,
            high=None,
            odds_ratio=None,
            odds_low=None,
            odds_high=None,
            published=False,
            conclusion=reason,
        )


def _pts(x: float) -> str:
    return f"{x * 100:+.1f}".replace(".", ",") + " points"


def design_matrix(
    rows: Sequence[Person], covariates: Sequence[str], *, sessions: bool = True
) -> tuple[np.ndarray, list[str]]:
    """Intercept, rural (0/1), sessions, then one 0/1 column per non-reference level.
    Without ``sessions`` the sessions column is all zeros (dropped by :func:`estimable`)."""
    names = ["constante", "rural", "seances"]
    cols: list[list[float]] = [
        [1.0] * len(rows),
        [1.0 if r.zone == RURAL else 0.0 for r in rows],
        [float(r.sessions) if sessions else 0.0 for r in rows],
    ]
    for cov in covariates:
        levels = sorted({r.covariates.get(cov, "") for r in rows})
        for level in levels[1:]:
            names.append(f"{cov}={level}")
            cols.append([1.0 if r.covariates.get(cov, "") == level else 0.0 for r in rows])
    return np.array(cols).T, names


def estimable(x: np.ndarray) -> np.ndarray | None:
    """The columns to fit, rural last: a covariate level that is a combination of the columns
    before it (e.g. an age band that only one public has) is dropped, as R does with aliased
    terms; if rural itself is then a combination of the others, zone and public cannot be
    told apart and nothing is estimated."""
    order = [0, *range(2, x.shape[1])]  # constant, sessions, covariate levels
    kept: list[int] = []
    for j in order:
        if np.linalg.matrix_rank(x[:, [*kept, j]]) == len(kept) + 1:
            kept.append(j)
    if np.linalg.matrix_rank(x[:, [*kept, 1]]) < len(kept) + 1:
        return None
    return np.asarray(x[:, [*kept, 1]])


def compare(
    people: Sequence[Person],
    covariates: Sequence[str] = (),
    *,
    threshold: int = 11,
) -> Adjusted:
    """Rural vs urban share of people who progressed, adjusted (see the module's rules)."""
    rows = [
        p
        for p in people
        if p.zone in (RURAL, URBAN) and category(p.levels) in ("progres", "stable", "recul")
    ]
    progressed = [category(r.levels) == "progres" for r in rows]
    return compare_share(rows, progressed, covariates, threshold=threshold)


def compare_share(
    rows: Sequence[Person],
    outcome: Sequence[bool],
    covariates: Sequence[str] = (),
    *,
    threshold: int = 11,
    what: str = "la part de personnes en progrès",
    sessions: bool = True,
    groups: Sequence[int] | None = None,
) -> Adjusted:
    """Rural vs urban share of ``rows`` whose ``outcome`` is true, adjusted by logistic
    regression on the number of sessions (unless ``sessions`` is false) and ``covariates``;
    rows outside the two zone kinds are left out. Same words and secrecy rule as
    :func:`compare`."""
    kept = [i for i, r in enumerate(rows) if r.zone in (RURAL, URBAN)]
    clusters = None if groups is None else np.array([groups[i] for i in kept])
    rows = [rows[i] for i in kept]
    y = np.array([1.0 if outcome[i] else 0.0 for i in kept])
    rural = np.array([r.zone == RURAL for r in rows], dtype=bool)
    nr, nu = int(rural.sum()), int((~rural).sum())
    xr, xu = int(y[rural].sum()), int(y[~rural].sum())
    raw_r = xr / nr if nr else math.nan
    raw_u = xu / nu if nu else math.nan
    published = all(c == 0 or c >= threshold for c in (xr, nr - xr, xu, nu - xu))
    base: dict[str, Any] = dict(
        n_rural=nr,
        n_urban=nu,
        progress_rural=xr,
        progress_urban=xu,
        raw_rural=raw_r,
        raw_urban=raw_u,
        adjusted_for=(
            *(("nombre de séances",) if sessions else ()),
            *(COVARIATE_WORDS.get(c, c) for c in covariates),
        ),
    )
    none: dict[str, Any] = dict(
        gap=None, low=None, high=None, odds_ratio=None, odds_low=None, odds_high=None
    )
    if not published or min(nr, nu) == 0:
        return Adjusted(
            **base,
            **none,
            published=False,
            conclusion="Non publié : trop peu de personnes dans une des zones ou un des groupes.",
        )
    fit = _fit(rows, y, covariates, sessions, clusters)
    if fit is None:
        return Adjusted(
            **base,
            **none,
            published=True,
            conclusion="Non estimable sur ces données : un groupe progresse tout entier ou "
            "pas du tout, ou la zone et le public se confondent (chaque public ne vit que "
            "dans une zone), si bien que l'on ne peut pas les séparer.",
        )
    gap, low, high, oratio, olow, ohigh = fit
    adjusted = _held_equal(list(base["adjusted_for"]))
    if low <= 0 <= high:
        words = (
            f"{adjusted + 'l' if adjusted else 'L'}'écart rural − urbain est estimé à {_pts(gap)} "
            f"(intervalle de confiance à 95 % de {_pts(low)} à {_pts(high)}) : ces données ne "
            f"permettent pas de dire que {what} diffère entre les zones "
            "(ce qui ne veut pas dire qu'elle est la même)."
        )
    else:
        words = (
            f"{adjusted or what[0].upper()}{what if adjusted else what[1:]} est "
            f"{'plus' if gap > 0 else 'moins'} élevée en zone rurale : {_pts(gap)} "
            f"(intervalle de confiance à 95 % de {_pts(low)} à {_pts(high)}). C'est un écart "
            "observé, pas un effet prouvé du dispositif : d'autres différences entre les "
            "publics peuvent l'expliquer."
        )
    return Adjusted(
        **base,
        gap=gap,
        low=low,
        high=high,
        odds_ratio=oratio,
        odds_low=olow,
        odds_high=ohigh,
        published=True,
        conclusion=words,
    )


def _held_equal(words: list[str]) -> str:
    """ "À nombre de séances, public et tranche d'âge égaux, " (empty when nothing is held)."""
    if not words:
        return ""
    listed = ", ".join(words[:-1]) + " et " + words[-1] if len(words) > 1 else words[0]
    return f"À {listed} {'égaux' if len(words) > 1 else 'égal'}, "


def _fit(
    rows: Sequence[Person],
    y: np.ndarray,
    covariates: Sequence[str],
    sessions: bool = True,
    clusters: np.ndarray | None = None,
) -> tuple[float, float, float, float, float, float] | None:
    import warnings

    from statsmodels.discrete.discrete_model import Logit
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, PerfectSeparationWarning

    x = estimable(design_matrix(rows, covariates, sessions=sessions)[0])
    if x is None:
        return None  # zone and public confounded: e.g. every senior lives in a rural zone
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", ConvergenceWarning)
            warnings.simplefilter("error", PerfectSeparationWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            robust: dict[str, Any] = {}
            if clusters is not None and len(np.unique(clusters)) < len(clusters):
                robust = {"cov_type": "cluster", "cov_kwds": {"groups": clusters}}
            result = Logit(y, x).fit(disp=0, maxiter=100, **robust)
            margeff = result.get_margeff(at="overall", method="dydx", dummy=True)
    except (np.linalg.LinAlgError, ConvergenceWarning, PerfectSeparationWarning, ValueError):
        return None
    ci = margeff.conf_int()
    # margins are reported for every column but the constant; rural is the last column
    gap, low, high = float(margeff.margeff[-1]), float(ci[-1][0]), float(ci[-1][1])
    beta = float(result.params[-1])
    blow, bhigh = (float(v) for v in result.conf_int()[-1])
    if not all(math.isfinite(v) for v in (gap, low, high, beta, blow, bhigh)):
        return None
    return gap, low, high, math.exp(beta), math.exp(blow), math.exp(bhigh)
