"""The pilot planner's figures are statsmodels' own power computations (and a closed form)."""

from __future__ import annotations

import math

import pytest
from scipy.stats import norm
from statsmodels.stats.power import NormalIndPower, zt_ind_solve_power
from statsmodels.stats.proportion import proportion_effectsize

from voucher.domain import power
from voucher.domain.errors import DomainError

CASES = [
    ("carnet_commence", 0.60, 0.10, 0.80, 0.95),
    ("carnet_termine", 0.30, 0.10, 0.80, 0.95),
    ("carnet_termine", 0.30, -0.10, 0.90, 0.95),
    ("autonomie_gagnee", 0.45, 0.15, 0.80, 0.90),
    ("autonomie_gagnee", 0.05, 0.05, 0.85, 0.99),
]


def achieved(n: float, p0: float, p1: float, alpha: float, ratio: float = 1.0) -> float:
    h = proportion_effectsize(p1, p0)
    return NormalIndPower().power(effect_size=h, nobs1=n, alpha=alpha, ratio=ratio)


@pytest.mark.parametrize(("outcome", "p0", "d", "pw", "conf"), CASES)
def test_carnets_per_zone_equal_statsmodels(outcome, p0, d, pw, conf):
    plan = power.plan(outcome, p0, d, power=pw, confidence=conf)
    expected = zt_ind_solve_power(
        effect_size=abs(proportion_effectsize(p0 + d, p0)), alpha=1 - conf, power=pw
    )
    assert plan.carnets_per_zone == math.ceil(expected)
    assert plan.design_effect == 1.0
    # the smallest whole number that reaches the power
    assert achieved(plan.carnets_per_zone, p0, p0 + d, 1 - conf) >= pw
    assert achieved(plan.carnets_per_zone - 1, p0, p0 + d, 1 - conf) < pw
    # and the textbook closed form, independently of statsmodels; it ignores the far tail of
    # the two-sided test, so it may ask for one carnet more, never fewer
    h = abs(2 * math.asin(math.sqrt(p0 + d)) - 2 * math.asin(math.sqrt(p0)))
    closed = 2 * ((norm.ppf(1 - (1 - conf) / 2) + norm.ppf(pw)) / h) ** 2
    assert math.ceil(closed) - 1 <= plan.independent_per_zone <= math.ceil(closed)


def test_a_10_point_gap_on_completion_needs_far_more_than_the_old_demo():
    plan = power.plan("carnet_termine", 0.5, 0.10)
    assert plan.carnets_per_zone == 388
    assert "388 carnets dans chaque zone" in plan.sentence()


@pytest.mark.parametrize(("m", "icc"), [(10, 0.3), (10, 0.0), (6, 0.5), (10, 1.0)])
def test_voucher_unit_is_inflated_by_the_design_effect(m, icc):
    plan = power.plan("cheque_utilise", 0.5, 0.1, vouchers_per_carnet=m, icc=icc)
    n = zt_ind_solve_power(effect_size=abs(proportion_effectsize(0.6, 0.5)), alpha=0.05, power=0.8)
    deff = 1 + (m - 1) * icc
    assert plan.design_effect == pytest.approx(deff)
    assert plan.carnets_per_zone == math.ceil(math.ceil(n * deff) / m)
    # the effective sample the carnets give reaches the power
    effective = plan.carnets_per_zone * m / deff
    assert achieved(effective, 0.5, 0.6, 0.05) >= 0.8
    if icc == 1.0:  # identical vouchers: a carnet is one observation
        assert plan.carnets_per_zone == math.ceil(n)
    if icc > 0:
        assert "effet de plan" in plan.sentence()


@pytest.mark.parametrize(("p0", "a", "b"), [(0.5, 132, 146), (0.3, 400, 400), (0.7, 50, 900)])
def test_detectable_difference_is_where_statsmodels_reaches_the_power(p0, a, b):
    d = power.detectable(p0, a, b)
    assert d.difference > 0
    assert achieved(a, p0, p0 + d.difference, 0.05, ratio=b / a) == pytest.approx(0.8, abs=1e-4)


def test_old_demo_could_not_see_a_10_point_gap():
    d = power.detectable(0.5, 132, 146)
    assert d.difference > 0.10
    assert "16,5 points" in d.sentence()


@pytest.mark.parametrize(
    ("call", "code"),
    [
        (lambda: power.plan("nope", 0.5, 0.1), "plan_unknown_outcome"),
        (lambda: power.plan("carnet_termine", 0, 0.1), "plan_invalid_share"),
        (lambda: power.plan("carnet_termine", 0.95, 0.1), "plan_invalid_share"),
        (lambda: power.plan("carnet_termine", 0.5, 0), "plan_invalid_share"),
        (lambda: power.plan("carnet_termine", float("nan"), 0.1), "plan_invalid_share"),
        (lambda: power.plan("carnet_termine", 0.5, 0.1, power=1.0), "plan_invalid_power"),
        (lambda: power.plan("carnet_termine", 0.5, 0.1, confidence=0), "plan_invalid_power"),
        (lambda: power.plan("cheque_utilise", 0.5, 0.1, icc=2), "plan_invalid_design"),
        (lambda: power.detectable(0.5, 1, 100), "plan_too_few_carnets"),
    ],
)
def test_bad_input_is_refused_with_a_code(call, code):
    with pytest.raises(DomainError) as e:
        call()
    assert e.value.code == code
