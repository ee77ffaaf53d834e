"""The rural / urban redemption-rate comparison counts books, not vouchers: its figures
are recomputed from the story of ``tests/impact_world.crowd`` (both databases)."""

from __future__ import annotations

from tests.impact_world import crowd, small_world
from voucher.domain import clustered
from voucher.services.impact import counts, protect


def _rate_row(report):
    return next(c for c in report.comparisons if c.code == "taux_utilisation")


def test_the_rate_gap_is_the_cluster_bootstrap_over_the_books_of_the_story(session):
    crowd(session)  # person k: one book of 10, k % 5 + 1 vouchers cashed; 24 rural, 23 urban
    report = protect.protect(counts.compute(session, counts.EVERYTHING))
    row = _rate_row(report)
    rural = [(k % 5 + 1, 10, 1) for k in range(24)]
    urban = [(k % 5 + 1, 10, 1) for k in range(24, 47)]
    assert row.rural.n == 24 and row.urban.n == 23
    assert abs(row.rural.estimate - sum(u for u, _, _ in rural) / 240) < 1e-12
    assert abs(row.urban.estimate - sum(u for u, _, _ in urban) / 230) < 1e-12
    # the gap's draws are the zones' own (rural: the seed, urban: the seed + 1)
    again = clustered.bootstrap_rate_difference(rural, urban, seed=report.seed)
    assert (row.difference.low, row.difference.high) == (again.low, again.high)
    assert row.difference.low < row.difference.estimate < row.difference.high
    assert "carnets" in row.conclusion


def test_with_three_people_the_rate_gap_is_not_published(session):
    small_world(session)
    row = _rate_row(protect.protect(counts.compute(session, counts.EVERYTHING)))
    assert row.rural.estimate is None and row.difference.estimate is None
    assert row.conclusion == protect.NOT_PUBLISHED
