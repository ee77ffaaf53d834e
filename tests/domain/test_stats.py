"""Statistics checked against published worked examples and against independent code
(statsmodels, scipy, numpy, a naive bootstrap) on generated data."""

from __future__ import annotations

import random
import statistics
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from voucher.domain import stats

# Newcombe (1998), Stat Med 17:857-872, table I, method 3 (Wilson score, no correction)
WILSON_PUBLISHED = [
    ((81, 263), (0.2553, 0.3662)),
    ((15, 148), (0.0624, 0.1605)),
    ((0, 20), (0.0, 0.1611)),
    ((1, 29), (0.0061, 0.1718)),
]
# Newcombe (1998), Stat Med 17:873-890, table II, method 10 (hybrid score)
NEWCOMBE_PUBLISHED = [
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((6, 7, 2, 7), (0.0582, 0.8062)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((0, 10, 0, 10), (-0.2775, 0.2775)),
    ((10, 10, 0, 20), (0.6791, 1.0)),
    ((10, 10, 0, 10), (0.6075, 1.0)),
]


@pytest.mark.parametrize(("counts", "published"), WILSON_PUBLISHED)
def test_wilson_matches_newcombes_published_examples(counts, published):
    w = stats.wilson(*counts)
    assert (round(w.low, 4), round(w.high, 4)) == published


@pytest.mark.parametrize(("counts", "published"), NEWCOMBE_PUBLISHED)
def test_difference_matches_newcombes_published_method_10(counts, published):
    d = stats.newcombe_difference(*counts)
    assert (round(d.low, 4), round(d.high, 4)) == published


@settings(max_examples=300, deadline=None)
@given(st.integers(1, 2000).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))))
def test_wilson_agrees_with_statsmodels(pair):
    x, n = pair
    low, high = proportion_confint(x, n, alpha=0.05, method="wilson")
    w = stats.wilson(x, n)
    assert w.low == pytest.approx(low, abs=1e-9) and w.high == pytest.approx(high, abs=1e-9)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.integers(1, 500).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
)
def test_newcombe_agrees_with_statsmodels(a, b):
    low, high = confint_proportions_2indep(a[0], a[1], b[0], b[1], method="newcomb", compare="diff")
    d = stats.newcombe_difference(a[0], a[1], b[0], b[1])
    assert d.low == pytest.approx(low, abs=1e-9) and d.high == pytest.approx(high, abs=1e-9)


def test_wilson_refuses_impossible_counts():
    for x, n in ((1, 0), (-1, 5), (6, 5)):
        with pytest.raises(ValueError):
            stats.wilson(x, n)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(0, 120), min_size=1, max_size=300))
def test_quartiles_from_a_histogram_equal_numpy_and_statistics(values):
    q = stats.quartiles(stats.histogram(values))
    assert q.n == len(values)
    assert [q.q1, q.median, q.q3] == pytest.approx(list(np.percentile(values, [25, 50, 75])))
    assert q.median == pytest.approx(statistics.median(values))
    if len(values) > 1:
        assert [q.q1, q.median, q.q3] == pytest.approx(
            statistics.quantiles(values, n=4, method="inclusive")
        )


def test_merged_histograms_describe_the_union():
    assert stats.merge([(1, 2), (3, 1)], [(1, 1), (2, 4)]) == [(1, 3), (2, 4), (3, 1)]


def test_bootstrap_is_reproducible_with_its_seed():
    hist = stats.histogram(random.Random(1).choices(range(60), k=200))
    first = stats.bootstrap_median(hist, seed=7)
    assert stats.bootstrap_median(hist, seed=7) == first
    assert stats.bootstrap_median_difference(
        hist, hist[::-1], seed=3
    ) == stats.bootstrap_median_difference(hist, hist[::-1], seed=3)
    assert first.low <= first.estimate <= first.high


def _naive_medians(values, reps, rng):
    return Counter(statistics.median(rng.choices(values, k=len(values))) for _ in range(reps))


@pytest.mark.parametrize("values", [[1, 2, 2, 3, 5, 8, 13, 21], [0, 1, 1, 2, 3, 3, 4, 9, 30]])
def test_order_statistic_draws_have_the_law_of_resampling(values):
    """Each replicate draws a resample's median from Beta order statistics; its law must be
    that of 'resample n values with replacement, take the median' (total variation < 3 %)."""
    reps = 20_000
    naive = _naive_medians(values, reps, random.Random(1))
    data, rng = stats._Sorted(stats.histogram(values)), np.random.default_rng(2)
    fast = Counter(float(m) for m in stats._resample_medians(data, rng, reps))
    distance = sum(abs(naive[v] - fast[v]) for v in set(naive) | set(fast)) / (2 * reps)
    assert distance < 0.03


def test_bootstrap_interval_is_close_to_scipys_percentile_bootstrap():
    scipy_stats = pytest.importorskip("scipy.stats")
    values = random.Random(5).choices(range(0, 90), k=301)
    ours = stats.bootstrap_median(stats.histogram(values), seed=11, replicates=8000)
    theirs = scipy_stats.bootstrap(
        (np.array(values),),
        np.median,
        method="percentile",
        n_resamples=8000,
        random_state=np.random.default_rng(11),
    ).confidence_interval
    assert abs(ours.low - theirs.low) <= 2 and abs(ours.high - theirs.high) <= 2


def test_conclusions_say_what_can_and_cannot_be_concluded():
    same = stats.compare_proportions("Part des carnets commencés", 40, 60, 42, 60)
    assert not same.significant
    assert "n'est pas significatif" in same.conclusion and "identiques" in same.conclusion
    differ = stats.compare_proportions("Part des carnets commencés", 90, 100, 50, 100)
    assert differ.significant and "plus élevée en zone rurale" in differ.conclusion
    assert "pas la preuve d'un effet" in differ.conclusion
    fragile = stats.compare_proportions("Part", 5, 12, 6, 14)
    assert "Prudence" in fragile.conclusion
    slower = stats.compare_medians("Délai", [(20, 50), (30, 50)], [(2, 50), (4, 50)], seed=1)
    assert (
        slower.significant and "zone rurale" in slower.conclusion and "jours" in slower.conclusion
    )


def test_a_comparison_of_medians_is_its_groups_intervals_and_their_gap_from_the_same_draws():
    """Group a drawn with the seed, b with the seed + 1, the gap from those very draws."""
    rng = random.Random(8)
    a = stats.histogram(rng.choices(range(40), k=120))
    b = stats.histogram(rng.choices(range(25), k=91))
    c = stats.compare_medians("Délai", a, b, seed=4)
    assert c.a == stats.bootstrap_median(a, seed=4)
    assert c.b == stats.bootstrap_median(b, seed=5)
    assert c.difference == stats.bootstrap_median_difference(a, b, seed=4)
    draws = stats._resample_medians(
        stats._Sorted(a), np.random.default_rng(4), 4000
    ) - stats._resample_medians(stats._Sorted(b), np.random.default_rng(5), 4000)
    low, high = np.quantile(draws, [0.025, 0.975])
    assert (c.difference.low, c.difference.high) == (low, high)
