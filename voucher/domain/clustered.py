"""The redemption rate (vouchers cashed / vouchers handed out) and its rural / urban gap,
with an interval that respects the books.

Rules kept:

- Vouchers of one book are not independent: one person uses most of a book or none of it.
  A binomial (Wilson, Newcombe) interval over vouchers counts each voucher as a separate
  trial and is far too narrow. The unit of resampling is therefore the **book**: a
  percentile **cluster bootstrap** draws, in each zone separately, as many books as the
  zone has, with replacement, and recomputes the ratio of sums (Davison & Hinkley 1997,
  §3.8; Field & Welsh 2007). Books with the same (used, size) are interchangeable, so one
  replicate is a multinomial draw over the distinct kinds of book: exact, and cheap.
- Seeded: the same books and seed always give the same interval, whatever the order
  the books come in. The gap's replicates are the two zones' own replicates subtracted
  (zone a drawn with the seed, zone b with the seed + 1): the zones are resampled apart,
  and one draw serves a zone's interval and the gap's.
- Data come as histograms ``(vouchers used, vouchers in the book, number of books)``, the
  shape a SQL ``GROUP BY`` returns.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from voucher.domain import stats

#: (vouchers cashed, vouchers in the book, books)
Usage = Sequence[tuple[int, int, int]]
REPLICATES = 4000


def rate(usage: Usage) -> float:
    used = sum(u * n for u, _, n in usage)
    handed = sum(s * n for _, s, n in usage)
    if handed <= 0:
        raise ValueError("no voucher handed out")
    return used / handed


def books(usage: Usage) -> int:
    return sum(n for _, _, n in usage)


def _replicates(usage: Usage, rng: np.random.Generator, replicates: int) -> np.ndarray:
    merged: Counter[tuple[int, int]] = Counter()
    for u, s, n in usage:
        merged[(u, s)] += n
    kinds = [(u, s, n) for (u, s), n in sorted(merged.items()) if n > 0]  # order-free
    counts = np.array([n for _, _, n in kinds], dtype=float)
    draws = rng.multinomial(int(counts.sum()), counts / counts.sum(), size=replicates)
    used = draws @ np.array([u for u, _, _ in kinds], dtype=float)
    handed = draws @ np.array([s for _, s, _ in kinds], dtype=float)
    return used / handed


def _interval(estimate: float, draws: np.ndarray, level: float) -> stats.Interval:
    alpha = (1 - level) / 2
    low, high = np.quantile(draws, [alpha, 1 - alpha])  # type 7, as in stats.quantile
    return stats.Interval(estimate, float(low), float(high))


def bootstrap_rate(
    usage: Usage, *, seed: int, replicates: int = REPLICATES, level: float = 0.95
) -> stats.Interval:
    """Percentile cluster-bootstrap interval of one zone's redemption rate."""
    draws = _replicates(usage, np.random.default_rng(seed), replicates)
    return _interval(rate(usage), draws, level)


def bootstrap_rate_difference(
    usage_a: Usage,
    usage_b: Usage,
    *,
    seed: int,
    replicates: int = REPLICATES,
    level: float = 0.95,
) -> stats.Interval:
    """Percentile cluster-bootstrap interval of rate(a) - rate(b), zones resampled apart:
    the replicates of zone a (seed) minus those of zone b (seed + 1), the very draws of
    their own intervals."""
    return _intervals(usage_a, usage_b, seed, replicates, level)[2]


def _intervals(
    usage_a: Usage, usage_b: Usage, seed: int, replicates: int, level: float
) -> tuple[stats.Interval, stats.Interval, stats.Interval]:
    """Zone a's interval (seed), zone b's (seed + 1) and their gap's, from the same draws."""
    a = _replicates(usage_a, np.random.default_rng(seed), replicates)
    b = _replicates(usage_b, np.random.default_rng(seed + 1), replicates)
    ra, rb = rate(usage_a), rate(usage_b)
    return _interval(ra, a, level), _interval(rb, b, level), _interval(ra - rb, a - b, level)


def compare_rates(
    label: str,
    usage_a: Usage,
    usage_b: Usage,
    *,
    seed: int,
    names: tuple[str, str] = ("en zone rurale", "en zone urbaine"),
) -> stats.Comparison:
    """Rates of two zones and their gap, each with its cluster-bootstrap interval."""
    a, b, diff = _intervals(usage_a, usage_b, seed, REPLICATES, 0.95)
    significant = not diff.contains(0.0)
    higher = names[0] if diff.estimate > 0 else names[1]
    pct = stats.fr_percent
    words = (
        f"{label} : {pct(a.estimate)} {names[0]} (intervalle de confiance à 95\u00a0% : "
        f"{pct(a.low)} à {pct(a.high)}), {pct(b.estimate)} {names[1]} ({pct(b.low)} à "
        f"{pct(b.high)}). Écart : {stats.fr_points(diff.estimate)} (de "
        f"{stats.fr_points(diff.low)} à {stats.fr_points(diff.high)}). Les intervalles "
        "tiennent compte des carnets (les chèques d'un même carnet ne sont pas indépendants). "
    )
    words += stats.verdict(
        significant,
        min(books(usage_a), books(usage_b)) < stats.FRAGILE_N,
        f"le taux est plus élevé {higher}",
    )
    return stats.Comparison(
        label, "proportion", a, b, books(usage_a), books(usage_b), diff, significant, words
    )
