"""Autonomy outcome per beneficiary and the adjusted rural/urban gap.

Worlds are drawn with a known truth: the chance to progress depends on the number of
sessions (rural people get more sessions, as in the field), plus a rural gap of 0 or 15
points. An unadjusted comparison sees a gap in both worlds; the adjusted one finds the
true gap inside its interval, and claims a difference only in the 15-point world. The
figures agree with an independent recomputation (statsmodels' formula interface on a
pandas frame, categories recounted with pandas). ``VOUCHER_OUTCOME_SEEDS`` runs more worlds.
"""

from __future__ import annotations

import math
import os
import random

import pandas as pd
import pytest
import statsmodels.formula.api as smf

from voucher.domain import outcome
from voucher.domain.outcome import Person

LEVELS = ["entierement_accompagne", "partiellement_autonome", "autonome"]
SEEDS = range(int(os.environ.get("VOUCHER_OUTCOME_SEEDS", "2")))


def expit(x: float) -> float:
    return 1 / (1 + math.exp(-x))


def draw_world(seed: int, log_odds_rural: float, n: int = 2000) -> list[Person]:
    rng = random.Random(seed)
    people = []
    for i in range(n):
        rural = i % 2 == 0
        population = rng.choice(["seniors", "jeunes"] if rural else ["jeunes", "familles"])
        sessions = max(2, round(rng.gauss(6.5 if rural else 3.2, 2.0)))
        p = expit(-2.0 + 0.35 * sessions + (log_odds_rural if rural else 0.0))
        start = rng.choice([0, 0, 1, 2])  # a quarter already autonomous at the start
        if start == 2:
            levels = [LEVELS[2]] * sessions
        elif rng.random() < p:
            levels = [LEVELS[start]] * (sessions - 1) + [LEVELS[start + 1]]
        elif start == 1 and rng.random() < 0.15:
            levels = [LEVELS[1]] * (sessions - 1) + [LEVELS[0]]  # a drop
        else:
            levels = [LEVELS[start]] * sessions
        people.append(
            Person(
                "rural" if rural else "urbain",
                levels,
                sessions,
                {"population": population},
            )
        )
    return people


def true_gap(people: list[Person], log_odds_rural: float) -> float:
    """Average marginal effect of rural under the drawing law, over the comparable people."""
    rows = [p for p in people if outcome.category(p.levels) in ("progres", "stable", "recul")]
    return sum(
        expit(-2.0 + 0.35 * p.sessions + log_odds_rural) - expit(-2.0 + 0.35 * p.sessions)
        for p in rows
    ) / len(rows)


def log_odds_for_gap(people: list[Person], gap: float) -> float:
    lo, hi = 0.0, 5.0
    for _ in range(60):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if true_gap(people, mid) < gap else (lo, mid)
    return lo


def frame(people: list[Person]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "zone": [p.zone for p in people],
            "first": [p.levels[0] for p in people],
            "last": [p.levels[-1] for p in people],
            "sessions": [p.sessions for p in people],
            "population": [p.covariates.get("population", "") for p in people],
        }
    )


def independent(people: list[Person], covariates: str = ""):
    df = frame(people)
    rank = {lv: i for i, lv in enumerate(LEVELS)}
    df = df[df["first"].map(rank) < 2].copy()
    df["y"] = (df["last"].map(rank) > df["first"].map(rank)).astype(int)
    df["rural"] = (df["zone"] == "rural").astype(int)
    fit = smf.logit(f"y ~ rural + sessions{covariates}", data=df).fit(disp=0)
    return fit, df


@pytest.mark.parametrize("gap", [0.0, 0.15])
def test_adjusted_gap_claims_only_what_its_interval_supports(gap):
    covered = claims = 0
    for seed in SEEDS:
        shape = draw_world(seed, 0.0)
        g = log_odds_for_gap(shape, gap) if gap else 0.0
        people = draw_world(seed, g)
        truth = true_gap(people, g)
        result = outcome.compare(people)
        assert result.published
        covered += result.low <= truth <= result.high
        claims += bool(result.significant)
        if gap == 0:
            # the crude comparison would be fooled by the number of sessions
            assert result.raw_rural - result.raw_urban > 0.10
        if result.significant:
            side = "plus" if result.gap > 0 else "moins"
            assert f"{side} élevée en zone rurale" in result.conclusion
            assert "pas un effet prouvé" in result.conclusion
        else:
            assert "ne permettent pas de dire" in result.conclusion
    runs = len(SEEDS)
    # a 95 % interval: coverage near 95 %; in the null world, claims near 5 %; in the
    # 15-point world the worlds are big enough for a power of about 95 %
    assert covered >= math.floor(0.85 * runs)
    if gap == 0:
        assert claims <= math.ceil(0.12 * runs) - (runs < 9)
    else:
        assert claims >= math.floor(0.85 * runs)


@pytest.mark.parametrize("covariates", [(), ("population",)])
def test_adjusted_gap_agrees_with_statsmodels_formula_interface(covariates):
    people = draw_world(7, 0.6)
    result = outcome.compare(people, covariates)
    fit, df = independent(people, " + C(population)" if covariates else "")
    assert result.odds_ratio == pytest.approx(math.exp(fit.params["rural"]), rel=1e-6)
    low, high = fit.conf_int().loc["rural"]
    assert (result.odds_low, result.odds_high) == pytest.approx(
        (math.exp(low), math.exp(high)), rel=1e-6
    )
    # average marginal effect recomputed by hand: predict everyone rural, then urban
    ame = (fit.predict(df.assign(rural=1)) - fit.predict(df.assign(rural=0))).mean()
    assert result.gap == pytest.approx(ame, rel=1e-6)
    assert result.n_rural == int(df["rural"].sum())
    assert result.progress_urban == int(df.loc[df["rural"] == 0, "y"].sum())


def test_outcome_table_counts_people_as_pandas_does():
    people = draw_world(3, 0.3, n=500)
    # a person with a single noted level, and levels not noted at some sessions
    people.append(Person("urbain", ["autonome"], 1))
    people.append(Person("rural", ["", "entierement_accompagne", "", "autonome"], 4))
    got = outcome.table(people)
    df = frame(people)
    rank = {lv: i for i, lv in enumerate(LEVELS)}

    def cat(p: Person) -> str:
        noted = [rank[x] for x in p.levels if x in rank]
        if len(noted) < 2:
            return "non_evaluable"
        if noted[0] == 2:
            return "deja_autonome"
        return {1: "progres", 0: "stable", -1: "recul"}[
            (noted[-1] > noted[0]) - (noted[-1] < noted[0])
        ]

    df["cat"] = [cat(p) for p in people]
    expected = df.groupby(["zone", "cat"]).size()
    for (zone, c), n in expected.items():
        assert got[zone][c] == n
    assert sum(got["ensemble"].values()) == len(people)
    assert got["rural"]["progres"] + got["urbain"]["progres"] == got["ensemble"]["progres"]
    assert all(got[z]["recul"] > 0 for z in ("rural", "urbain"))


def test_small_groups_are_not_published():
    people = draw_world(1, 0.0, n=60)[:30]
    result = outcome.compare(people)
    assert not result.published
    assert result.gap is None
    assert result.conclusion.startswith("Non publié")


def test_a_world_where_everyone_progresses_is_not_estimable():
    people = [
        Person(z, ["entierement_accompagne", "autonome"], s)
        for z in ("rural", "urbain")
        for s in range(2, 40)
    ]
    people += [Person("rural", ["autonome"] * 3, 3)] * 20
    result = outcome.compare(people)
    assert result.gap is None
    assert result.significant is None


def test_an_aliased_covariate_is_dropped_and_a_confounded_zone_is_not_estimated():
    people = draw_world(5, 0.4)
    # the age band is a function of the public: it adds nothing and is dropped, as R does
    aged = [
        Person(
            p.zone,
            p.levels,
            p.sessions,
            {**p.covariates, "tranche_age": p.covariates["population"] + "_age"},
        )
        for p in people
    ]
    assert outcome.compare(aged, ("population", "tranche_age")).gap == pytest.approx(
        outcome.compare(people, ("population",)).gap, rel=1e-9
    )
    # a public that lives in one zone only: zone and public cannot be told apart
    confounded = [
        Person(
            p.zone,
            p.levels,
            p.sessions,
            {"population": "seniors" if p.zone == "rural" else "jeunes"},
        )
        for p in people
    ]
    result = outcome.compare(confounded, ("population",))
    assert result.gap is None and result.conclusion.startswith("Non estimable")
