"""The attacker of research extracts: an evaluator holding two extracts of the same data,
and the registry's own pseudonyms, tries to join them by row order, by pseudonym and by
date, and to recover a hand-out date; an evaluator whose grant covers one programme tries
to get the others by leaving the programme out of the form; an operator tries to grant an
extract to someone who is not an evaluator. Both databases.

The test keeps an oracle the attacker does not have: each extract's key, so it knows
which rows belong to whom and can score the attacker's guesses against the truth.
"""

from __future__ import annotations

import hashlib
import hmac
import random
from collections import Counter, defaultdict
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests import factories as f
from tests.impact_world import _codes, _hand, _scan, utc
from voucher.db.models import Beneficiary, Book
from voucher.domain import anonymity, vocab
from voucher.domain.calendar import at
from voucher.domain.errors import DomainError
from voucher.services.access import people
from voucher.services.context import Actor
from voucher.services.impact import counts, grants, research

K = anonymity.DEFAULT_K
COMMUNES = ["86194"] * 5 + ["86165", "86062"] + ["86001"]  # Adriers: a village, rare
AGES = [
    "vingt_cinq_trente_neuf",
    "quarante_cinquante_neuf",
    "soixante_soixante_neuf",
    "soixante_dix_plus",
]
POPULATIONS = ["seniors", "jeunes_insertion", "demandeurs_emploi"]


def _possible(i: int) -> dict[str, str]:
    """The i-th person's profile, moved to the next age band when the hand-out would refuse
    it as impossible (a job-seeking youth aged 40 to 59, a retired 18-year-old)."""
    population = POPULATIONS[i % 3] if i < 60 else "familles_precaires"
    status = "retraite" if i % 2 else "sans_emploi"
    for k in range(len(AGES)):
        age = AGES[(i + k) % len(AGES)]
        try:
            vocab.check_profile(population, age, status)
        except DomainError:
            continue
        return {"population": population, "age_band": age, "social_status": status}
    raise AssertionError(f"no possible age band for {population}, {status}")


def _world(s):
    """Programme A: 70 people of varied profiles (a few alone in theirs); programme B: 15."""
    with at(utc(2026, 2, 1, 9)):
        w = f.world(s, books=70)
        other = f.programme(s, [(w.funder_a, 10000)], name="Programme B")
        batch = f.batches.issue_batch(
            s, f.ACTOR, programme_id=other.id, prescriber_id=w.prescriber.id, books=15
        )
        f.funds.record_funds_received(
            s,
            f.ACTOR,
            programme_id=other.id,
            funder_id=w.funder_a.id,
            amount_cents=15 * 10 * 1000,
            received_on=date(2026, 1, 5),
        )
        f.batches.activate_batch(s, f.ACTOR, batch.id)
    rng = random.Random(7)
    serials = [w.batch.first_serial + i for i in range(70)]
    serials += [batch.first_serial + i for i in range(15)]
    for i, serial in enumerate(serials):
        start = utc(2026, 3, 1, 9) + timedelta(days=rng.randrange(120))
        _hand(
            s,
            w,
            serial,
            start,
            f"dossier-recherche-{i:03d}",
            **_possible(i),
            commune_insee=COMMUNES[i % len(COMMUNES)],
            density_class=3 if i % 3 else 1,
        )
        for j, code in enumerate(_codes(s, serial)[: 1 + i % 4]):
            _scan(s, code, w.structure.id, start + timedelta(days=1 + 9 * j + i % 5, hours=2))
    return w, other


@pytest.fixture(scope="module")
def world(databases):
    from voucher.db.engine import unit_of_work

    engine = databases.engine()
    with unit_of_work(engine) as s:
        w, other = _world(s)
        user, _ = (
            people.create_user(
                s,
                f.ACTOR,
                email=f"{role}@test.fr",
                name=role,
                password="x" * 12,
                grants=[(w.prescriber.id, role)],
            )
            for role in ("evaluator", "prescriber")
        )
        grants.grant(
            s,
            f.ACTOR,
            email="evaluator@test.fr",
            programme_id=w.programme.id,
            valid_until=date(2099, 1, 1),
            reason="Convention d'évaluation n° 21",
        )
        truth = {
            int(b): (str(p), h.date())
            for b, p, h in s.execute(
                select(Beneficiary.id, Beneficiary.pseudonym, Book.handed_out_at).join(
                    Book, Book.beneficiary_id == Beneficiary.id
                )
            )
        }
    return engine, w, other, Actor(label="chercheur", user_id=user.id, role="evaluator"), truth


def _extract(world, seed, programme_id=None):
    from voucher.db.engine import unit_of_work

    engine, w, _other, actor, truth = world
    randomness = research.Randomness(key=random.Random(seed).randbytes(32), rng=random.Random(seed))
    with unit_of_work(engine) as s:
        result = research.extract(s, actor, counts.EVERYTHING, programme_id, randomness=randomness)
        rows = [
            dict(zip([c.code for c in research.COLUMNS], r)) for r in result.bundle.sheets[0].rows
        ]
        s.rollback()
    oracle = {
        hmac.new(randomness.key, f"b:{b}".encode(), hashlib.sha256).hexdigest()[:20]: b
        for b in truth
    }
    return result, rows, oracle


def test_rows_cover_only_the_programme_of_the_grant_even_when_the_form_omits_it(world):
    _engine, w, other, _actor, _truth = world
    result, rows, _ = _extract(world, 1)
    assert rows and {r["dispositif_id"] for r in rows} == {w.programme.id}
    with pytest.raises(DomainError) as exc:
        _extract(world, 2, other.id)
    assert exc.value.code == "research_not_granted"


def test_a_grant_is_refused_to_someone_who_is_not_an_evaluator(world):
    from voucher.db.engine import unit_of_work

    engine = world[0]
    with unit_of_work(engine) as s:
        with pytest.raises(DomainError) as exc:
            grants.grant(
                s,
                f.ACTOR,
                email="prescriber@test.fr",
                programme_id=None,
                valid_until=date(2099, 1, 1),
                reason="Convention",
            )
        assert exc.value.code == "research_not_evaluator"
        s.rollback()


def test_every_quasi_identifier_profile_covers_at_least_k_people(world):
    result, rows, oracle = _extract(world, 3)
    people_by_profile = defaultdict(set)
    for r in rows:
        profile = tuple(
            r[c]
            for c in (
                "dispositif_id",
                "population",
                "tranche_age",
                "statut_social",
                "territoire",
                "type_zone",
            )
        )
        people_by_profile[profile].add(oracle[r["beneficiaire"]])
    assert min(len(p) for p in people_by_profile.values()) >= K
    assert result.people == len({oracle[r["beneficiaire"]] for r in rows})
    assert result.people + result.suppressed == 70  # the village's people: reported, not hidden
    assert "86001" not in {r["territoire"] for r in rows}  # the village is never named
    assert str(result.suppressed) in result.bundle.note


def test_two_extracts_cannot_be_joined_by_pseudonym_or_row_order(world):
    _, a, oracle_a = _extract(world, 4)
    _, b, oracle_b = _extract(world, 5)
    registry = {p for p, _ in world[4].values()}
    keys_a, keys_b = {r["beneficiaire"] for r in a}, {r["beneficiaire"] for r in b}
    assert not keys_a & keys_b and not (keys_a | keys_b) & registry
    assert not {r["carnet"] for r in a} & {r["carnet"] for r in b}
    same_place = sum(
        oracle_a[x["beneficiaire"]] == oracle_b[y["beneficiaire"]] for x, y in zip(a, b)
    )
    shares = Counter(oracle_a[r["beneficiaire"]] for r in a)
    chance = sum((n / len(a)) ** 2 for n in shares.values()) * len(a)
    assert same_place <= 2 * chance + 3, (same_place, chance)


def _month_range(month: str) -> tuple[date, date]:
    if "-T" in month:
        first = date(int(month[:4]), 3 * int(month[-1]) - 2, 1)
        following = (first + timedelta(days=95)).replace(day=1)
    else:
        first = date.fromisoformat(month + "-01")
        following = (first + timedelta(days=32)).replace(day=1)
    return first, following - timedelta(days=1)


def test_no_hand_out_date_can_be_recovered_from_an_extract(world):
    """The attacker knows the method (a shift of at most SHIFT_DAYS, then the month): the
    dates consistent with a person's rows span more than a month and hold the true one."""
    _, rows, oracle = _extract(world, 6)
    truth = world[4]
    assert not any(
        isinstance(v, str) and len(v) == 10 and v[4] == v[7] == "-"
        for r in rows
        for v in r.values()
    )
    shift = timedelta(days=anonymity.SHIFT_DAYS)
    for r in rows:
        if r["periode_remise"] in (None, anonymity.GROUPED):
            continue
        first, last = _month_range(r["periode_remise"])
        low, high = first - shift, last + shift
        assert (high - low).days + 1 >= 28 + 2 * anonymity.SHIFT_DAYS
        assert low <= truth[oracle[r["beneficiaire"]]][1] <= high


def test_a_date_never_singles_anyone_out_so_dates_join_no_one(world):
    """Joined on their dates alone (the period of hand-out and the bands of days of their
    sessions), two extracts never give a person one candidate: every date value is shared
    by at least k people of the same profile."""
    _, a, oracle_a = _extract(world, 8)
    _, b, oracle_b = _extract(world, 9)
    for rows, oracle in ((a, oracle_a), (b, oracle_b)):
        people_by_period = defaultdict(set)
        for r in rows:
            people_by_period[r["periode_remise"]].add(oracle[r["beneficiaire"]])
        assert min(len(p) for p in people_by_period.values()) >= K

    def periods(rows, oracle):
        return {oracle[r["beneficiaire"]]: r["periode_remise"] for r in rows}

    pa, pb = periods(a, oracle_a), periods(b, oracle_b)
    candidates = Counter(pb.values())
    assert all(candidates[period] != 1 for period in pa.values())
