"""The redemption-rate gap with books as clusters: checked against an independent
recomputation, and in a world where a book is used whole or not at all."""

from __future__ import annotations

import math
import random

import numpy as np

from voucher.domain import clustered, stats

RURAL = [(0, 10, 14), (3, 10, 9), (7, 10, 11), (10, 10, 16), (5, 8, 6)]
URBAN = [(0, 10, 25), (2, 10, 12), (6, 10, 8), (10, 10, 9), (4, 8, 4)]


def _books(usage):
    return [(u, s) for u, s, n in usage for _ in range(n)]


def _rate(books):
    return sum(u for u, _ in books) / sum(s for _, s in books)


def _linearised_variance(books):
    """Taylor (delta-method) variance of a ratio of sums over independent books."""
    n, r = len(books), _rate(books)
    total = sum(s for _, s in books)
    return n / (n - 1) * sum((u - r * s) ** 2 for u, s in books) / total**2


def test_the_rate_is_vouchers_cashed_over_vouchers_handed_out():
    assert math.isclose(clustered.rate(RURAL), _rate(_books(RURAL)))
    assert clustered.books(RURAL) == 56


def test_the_gap_interval_matches_a_plain_resampling_of_books_and_the_delta_method():
    found = clustered.bootstrap_rate_difference(RURAL, URBAN, seed=11)
    a, b = _books(RURAL), _books(URBAN)
    rng = random.Random(5)
    draws = sorted(
        _rate(rng.choices(a, k=len(a))) - _rate(rng.choices(b, k=len(b))) for _ in range(4000)
    )
    plain = (
        stats.quantile([(d, 1) for d in draws], 0.025),
        stats.quantile([(d, 1) for d in draws], 0.975),
    )
    assert abs(found.low - plain[0]) < 0.012 and abs(found.high - plain[1]) < 0.012
    half = stats.Z95 * math.sqrt(_linearised_variance(a) + _linearised_variance(b))
    gap = _rate(a) - _rate(b)
    assert math.isclose(found.estimate, gap)
    assert abs(found.low - (gap - half)) < 0.02 and abs(found.high - (gap + half)) < 0.02


def test_same_books_and_seed_give_the_same_interval():
    one = clustered.bootstrap_rate_difference(RURAL, URBAN, seed=3)
    assert one == clustered.bootstrap_rate_difference(RURAL, URBAN, seed=3)


def _all_or_nothing(rng, p, books):
    used = sum(rng.random() < p for _ in range(books))
    return [(10, 10, used), (0, 10, books - used)]


def test_when_a_book_is_used_whole_or_not_at_all_the_voucher_interval_is_too_narrow():
    """300 worlds, true rates 60 % and 50 %: the binomial interval over vouchers misses
    the true gap far more often than 5 % of the time; the interval over books does not."""
    rng = random.Random(2026)
    naive = clusters = 0
    worlds = 300
    for i in range(worlds):
        rural, urban = _all_or_nothing(rng, 0.6, 40), _all_or_nothing(rng, 0.5, 40)
        if clustered.rate(rural) in (0, 1) or clustered.rate(urban) in (0, 1):
            worlds -= 1
            continue
        xr, xu = rural[0][2] * 10, urban[0][2] * 10
        naive += stats.newcombe_difference(xr, 400, xu, 400).contains(0.1)
        found = clustered.bootstrap_rate_difference(rural, urban, seed=i, replicates=1000)
        clusters += found.contains(0.1)
    assert naive / worlds < 0.75, naive / worlds
    assert clusters / worlds >= 0.9, clusters / worlds


def test_the_comparison_says_it_counts_books_not_vouchers():
    c = clustered.compare_rates("Taux d'utilisation des chèques", RURAL, URBAN, seed=1)
    assert c.n_a == 56 and c.n_b == 58 and "carnets" in c.conclusion
    assert c.a.low < c.a.estimate < c.a.high


def test_a_comparison_of_rates_is_its_zones_intervals_and_their_gap_from_the_same_draws():
    """Zone a drawn with the seed, b with the seed + 1, the gap from those very draws."""
    c = clustered.compare_rates("Taux", RURAL, URBAN, seed=9)
    assert c.a == clustered.bootstrap_rate(RURAL, seed=9)
    assert c.b == clustered.bootstrap_rate(URBAN, seed=10)
    assert c.difference == clustered.bootstrap_rate_difference(RURAL, URBAN, seed=9)
    draws = clustered._replicates(
        RURAL, np.random.default_rng(9), clustered.REPLICATES
    ) - clustered._replicates(URBAN, np.random.default_rng(10), clustered.REPLICATES)
    low, high = np.quantile(draws, [0.025, 0.975])
    assert (c.difference.low, c.difference.high) == (low, high)
