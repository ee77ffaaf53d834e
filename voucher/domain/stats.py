"""Small, exact statistics for impact measurement (standard library, and NumPy's seeded
generator for the bootstrap draws).

Rules kept:

- Proportions carry a **Wilson** 95 % score interval (Wilson 1927; Newcombe 1998, method 3),
  which stays inside [0, 1] and behaves with small counts, unlike the textbook "Wald" interval.
- The difference of two independent proportions uses **Newcombe's hybrid score** interval
  (Newcombe 1998, method 10), built from the two Wilson intervals.
- Quantiles use the "inclusive" definition (linear interpolation between order statistics,
  Hyndman & Fan type 7: the default of R, NumPy and ``statistics.quantiles(method="inclusive")``).
  Data come as **histograms** (value -> count), the shape a SQL ``GROUP BY`` returns, so no
  row-level list is ever needed.
- Medians carry a **percentile bootstrap** interval, seeded so that the same data and seed
  always give the same interval. Each replicate draws the median of a resample of size n
  directly from the order statistics (the k-th smallest of n uniforms follows a
  Beta(k, n + 1 - k) law), which has exactly the distribution of "resample n values with
  replacement, take their median" but costs O(log n) per replicate instead of O(n). All
  the replicates of an interval are drawn at once by NumPy's ``Generator`` seeded with the
  seed (``numpy.random.default_rng(seed)``, as :mod:`voucher.domain.clustered` draws its
  own); a gap's replicates are the two groups' own replicates subtracted (group a drawn
  with the seed, group b with the seed + 1).
- Conclusions are written in plain French and never claim more than the interval shows:
  an interval containing 0 is "not significant", which is not "no difference"; a
  significant gap is an observed difference, not an effect of the programme.
"""

from __future__ import annotations

import math
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import accumulate

import numpy as np

#: two-sided 95 % normal quantile
Z95 = 1.959963984540054
#: below this many people in a group, a comparison is reported but flagged as fragile
FRAGILE_N = 30

Histogram = Sequence[tuple[float, int]]


@dataclass(frozen=True)
class Interval:
    estimate: float
    low: float
    high: float

    def contains(self, value: float) -> bool:
        return self.low <= value <= self.high


@dataclass(frozen=True)
class Quartiles:
    n: int
    q1: float
    median: float
    q3: float


# --- proportions -----------------------------------------------------------------------


def wilson(successes: int, n: int, z: float = Z95) -> Interval:
    """Wilson score interval for ``successes`` out of ``n`` (n > 0)."""
    if n <= 0 or not 0 <= successes <= n:
        raise ValueError("need 0 <= successes <= n and n > 0")
    p = successes / n
    z2 = z * z
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = z / (1 + z2 / n) * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n))
    low = 0.0 if successes == 0 else max(0.0, centre - half)
    high = 1.0 if successes == n else min(1.0, centre + half)
    return Interval(p, low, high)


def newcombe_difference(x1: int, n1: int, x2: int, n2: int, z: float = Z95) -> Interval:
    """Newcombe's hybrid score interval for p1 - p2 (independent samples)."""
    a, b = wilson(x1, n1, z), wilson(x2, n2, z)
    d = a.estimate - b.estimate
    low = d - math.sqrt((a.estimate - a.low) ** 2 + (b.high - b.estimate) ** 2)
    high = d + math.sqrt((a.high - a.estimate) ** 2 + (b.estimate - b.low) ** 2)
    return Interval(d, max(-1.0, low), min(1.0, high))


# --- histograms and quantiles ----------------------------------------------------------


def histogram(values: Iterable[float]) -> list[tuple[float, int]]:
    """Sorted (value, count) pairs of a list of values."""
    return sorted(Counter(values).items())


def merge(*hists: Histogram) -> list[tuple[float, int]]:
    total: Counter[float] = Counter()
    for h in hists:
        for value, count in h:
            total[value] += count
    return sorted((v, c) for v, c in total.items() if c)


class _Sorted:
    """Random access to the i-th smallest value of a histogram, without expanding it."""

    def __init__(self, hist: Histogram) -> None:
        pairs = sorted((v, c) for v, c in hist if c > 0)
        if any(c < 0 for _, c in hist):
            raise ValueError("negative count")
        self.values = [v for v, _ in pairs]
        self.ends = list(accumulate(c for _, c in pairs))  # cumulative counts
        self.n = self.ends[-1] if self.ends else 0

    def at(self, index: int) -> float:
        """0-based order statistic."""
        return self.values[bisect_left(self.ends, index + 1)]


def quantile(hist: Histogram, p: float) -> float:
    """Type-7 quantile (linear interpolation) of the values described by ``hist``."""
    return _quantile(_Sorted(hist), p)


def _quantile(data: _Sorted, p: float) -> float:
    if data.n == 0:
        raise ValueError("empty histogram")
    if not 0 <= p <= 1:
        raise ValueError("p outside [0, 1]")
    h = (data.n - 1) * p
    lo = math.floor(h)
    v_lo = data.at(lo)
    v_hi = data.at(min(lo + 1, data.n - 1))
    return v_lo + (h - lo) * (v_hi - v_lo)


def quartiles(hist: Histogram) -> Quartiles:
    data = _Sorted(hist)  # sorted once for the three quantiles
    return Quartiles(data.n, _quantile(data, 0.25), _quantile(data, 0.5), _quantile(data, 0.75))


def median(hist: Histogram) -> float:
    return quantile(hist, 0.5)


# --- bootstrap -------------------------------------------------------------------------


def _resample_medians(data: _Sorted, rng: np.random.Generator, replicates: int) -> np.ndarray:
    """The medians of ``replicates`` bootstrap resamples of size n, drawn from order
    statistics: the median's rank k = ceil(n / 2) has a uniform's Beta(k, n - k + 1) law;
    for an even n, the next order statistic is the smallest of the n - k uniforms above
    it."""
    n = data.n
    k = (n + 1) // 2
    values, ends = np.asarray(data.values, dtype=float), np.asarray(data.ends)
    u = rng.beta(k, n - k + 1, size=replicates)
    first = values[np.searchsorted(ends, _rank(n, u) + 1)]
    if n % 2:
        return first
    u2 = u + (1 - u) * rng.beta(1, n - k, size=replicates)
    return (first + values[np.searchsorted(ends, _rank(n, u2) + 1)]) / 2


def _rank(n: int, u: np.ndarray) -> np.ndarray:
    """The 0-based order statistic a uniform's quantile ``u`` falls on."""
    return np.clip(np.ceil(n * u) - 1, 0, n - 1).astype(np.int64)


def _percentile_interval(estimate: float, replicates: np.ndarray, level: float) -> Interval:
    alpha = (1 - level) / 2
    low, high = np.quantile(replicates, [alpha, 1 - alpha])  # type 7, as quantile() above
    return Interval(estimate, float(low), float(high))


def bootstrap_median(
    hist: Histogram, *, seed: int, replicates: int = 4000, level: float = 0.95
) -> Interval:
    """Percentile bootstrap interval of the median; same data and seed, same interval."""
    data = _Sorted(hist)
    if data.n == 0:
        raise ValueError("empty histogram")
    draws = _resample_medians(data, np.random.default_rng(seed), replicates)
    return _percentile_interval(median(hist), draws, level)


def bootstrap_median_difference(
    hist_a: Histogram, hist_b: Histogram, *, seed: int, replicates: int = 4000, level: float = 0.95
) -> Interval:
    """Percentile bootstrap interval of median(a) - median(b), groups resampled apart
    (a's replicates drawn with the seed, b's with the seed + 1)."""
    a, b = _Sorted(hist_a), _Sorted(hist_b)
    if a.n == 0 or b.n == 0:
        raise ValueError("empty histogram")
    return _median_intervals(a, b, seed, replicates, level)[2]


def _median_intervals(
    a: _Sorted, b: _Sorted, seed: int, replicates: int, level: float
) -> tuple[Interval, Interval, Interval]:
    """Group a's interval (seed), group b's (seed + 1) and their gap's, from the same
    draws: the gap's replicates are a's minus b's (groups resampled apart)."""
    draws_a = _resample_medians(a, np.random.default_rng(seed), replicates)
    draws_b = _resample_medians(b, np.random.default_rng(seed + 1), replicates)
    ma, mb = _quantile(a, 0.5), _quantile(b, 0.5)
    return (
        _percentile_interval(ma, draws_a, level),
        _percentile_interval(mb, draws_b, level),
        _percentile_interval(ma - mb, draws_a - draws_b, level),
    )


# --- plain-French conclusions ----------------------------------------------------------


def fr_number(value: float, decimals: int = 0) -> str:
    text = f"{value:,.{decimals}f}".replace(",", "\u202f").replace(".", ",")
    return text.replace("-", "\u2212")


def fr_percent(share: float, decimals: int = 0) -> str:
    return f"{fr_number(100 * share, decimals)}\u00a0%"


def fr_signed(value: float, decimals: int = 0) -> str:
    shown = round(value, decimals) + 0.0  # no "-0"
    text = fr_number(shown, decimals)
    return ("+" + text) if shown > 0 else text


def fr_points(diff: float) -> str:
    points = round(100 * diff)
    return f"{fr_signed(points)} point{'s' if abs(points) >= 2 else ''}"


@dataclass(frozen=True)
class Comparison:
    """Two groups compared: estimates with intervals, the gap with its interval, in words."""

    label: str
    kind: str  # "proportion" or "median"
    a: Interval
    b: Interval
    n_a: int
    n_b: int
    difference: Interval
    significant: bool
    conclusion: str


def verdict(significant: bool, fragile: bool, statement: str) -> str:
    if significant:
        text = (
            f"L'écart est significatif au seuil de 5\u00a0% : {statement}. C'est une différence "
            "observée, pas la preuve d'un effet du dispositif : les publics des deux zones ne "
            "sont pas les mêmes."
        )
    else:
        text = (
            "L'écart n'est pas significatif : ces données ne permettent pas de dire que les "
            "deux zones diffèrent (ce qui ne prouve pas non plus qu'elles sont identiques)."
        )
    if fragile:
        text += f" Prudence : moins de {FRAGILE_N} personnes dans une des zones."
    return text


def compare_proportions(
    label: str,
    x_a: int,
    n_a: int,
    x_b: int,
    n_b: int,
    names: tuple[str, str] = ("en zone rurale", "en zone urbaine"),
) -> Comparison:
    a, b = wilson(x_a, n_a), wilson(x_b, n_b)
    diff = newcombe_difference(x_a, n_a, x_b, n_b)
    significant = not diff.contains(0.0)
    higher = names[0] if diff.estimate > 0 else names[1]
    words = (
        f"{label} : {fr_percent(a.estimate)} {names[0]} (intervalle de confiance à 95\u00a0% : "
        f"{fr_percent(a.low)} à {fr_percent(a.high)}), {fr_percent(b.estimate)} {names[1]} "
        f"({fr_percent(b.low)} à {fr_percent(b.high)}). Écart : {fr_points(diff.estimate)} "
        f"(de {fr_points(diff.low)} à {fr_points(diff.high)}). "
    )
    words += verdict(significant, min(n_a, n_b) < FRAGILE_N, f"la part est plus élevée {higher}")
    return Comparison(label, "proportion", a, b, n_a, n_b, diff, significant, words)


def compare_medians(
    label: str,
    hist_a: Histogram,
    hist_b: Histogram,
    *,
    seed: int,
    unit: str = "jours",
    names: tuple[str, str] = ("en zone rurale", "en zone urbaine"),
) -> Comparison:
    sorted_a, sorted_b = _Sorted(hist_a), _Sorted(hist_b)
    if sorted_a.n == 0 or sorted_b.n == 0:
        raise ValueError("empty histogram")
    a, b, diff = _median_intervals(sorted_a, sorted_b, seed, 4000, 0.95)
    significant = not diff.contains(0.0)
    higher = names[0] if diff.estimate > 0 else names[1]
    n_a, n_b = sorted_a.n, sorted_b.n

    def num(v: float, signed: bool = False) -> str:
        decimals = 0 if float(v).is_integer() else 1
        return fr_signed(v, decimals) if signed else fr_number(v, decimals)

    words = (
        f"{label} : médiane de {num(a.estimate)} {unit} {names[0]} (intervalle de confiance à "
        f"95\u00a0% : {num(a.low)} à {num(a.high)}), {num(b.estimate)} {unit} {names[1]} "
        f"({num(b.low)} à {num(b.high)}). Écart des médianes : {num(diff.estimate, True)} {unit} "
        f"(de {num(diff.low, True)} à {num(diff.high, True)} {unit}). "
    )
    words += verdict(significant, min(n_a, n_b) < FRAGILE_N, f"la médiane est plus élevée {higher}")
    return Comparison(label, "median", a, b, n_a, n_b, diff, significant, words)
