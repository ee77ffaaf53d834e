"""Impact indicators on a hand-built world: every expected figure is worked out by hand
from the story in ``tests/impact_world.py`` (on SQLite and PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests import factories as f
from tests.impact_world import small_world
from voucher.db.models import AuditEvent
from voucher.domain.errors import DomainError
from voucher.domain.suppression import TOTAL
from voucher.services.access import people
from voucher.services.context import Actor
from voucher.services.impact import counts, protect


@pytest.fixture
def world(session):
    return small_world(session)


@pytest.fixture
def raw(session, world):
    return counts.compute(session, counts.EVERYTHING)


def cell(raw, table, row, zone):
    return raw.tables[table].cells[(row, zone)]


def test_the_book_funnel_counts_books_by_hand(raw):
    everything = cell(raw, "par_dispositif", TOTAL, TOTAL)
    assert everything["carnets_emis"] == 4
    assert everything["carnets_actives"] == 4
    assert everything["carnets_remis"] == 3
    assert everything["carnets_commences"] == 3
    assert everything["carnets_termines"] == 1  # book 2, all ten vouchers
    assert everything["beneficiaires"] == 3
    assert everything["cheques_remis"] == 30


def test_redemptions_exclude_the_cancelled_scan_and_give_cost_per_beneficiary(raw, world):
    everything = cell(raw, "par_dispositif", TOTAL, TOTAL)
    assert everything["cheques_encaisses"] == 3 + 10 + 2
    assert everything["valeur_encaissee_centimes"] == 15_000
    assert everything["lieux_actifs"] == 2
    report = protect.protect(raw)
    assert report.total("carnets", "ensemble", "taux_utilisation") is None  # masked: 3 people only
    derived = protect._derived(everything, raw.tables["par_dispositif"].delays[(TOTAL, TOTAL)], 11)
    assert derived["cout_par_beneficiaire_centimes"] == 5_000
    assert derived["taux_utilisation"] == 0.5
    assert derived["cheques_par_beneficiaire"] == 5.0


def test_rural_and_urban_come_from_the_beneficiary_and_stock_from_the_prescriber(raw):
    rural, urban = (
        cell(raw, "par_dispositif", TOTAL, "rural"),
        cell(raw, "par_dispositif", TOTAL, "urban"),
    )
    assert (rural["carnets_remis"], rural["cheques_encaisses"], rural["carnets_termines"]) == (
        2,
        5,
        0,
    )
    assert (urban["carnets_remis"], urban["cheques_encaisses"], urban["carnets_termines"]) == (
        1,
        10,
        1,
    )
    stock = cell(
        raw, "par_dispositif", TOTAL, "non_renseigne"
    )  # the prescriber has no density class
    assert (stock["carnets_emis"], stock["carnets_remis"]) == (1, 0)


def test_days_to_first_session_are_paris_calendar_days(raw):
    # book 1: 2 -> 5 March = 3; book 2: 10 -> 11 March = 1; book 3: same Paris day (31 March)
    hist = raw.tables["par_dispositif"].delays[(TOTAL, TOTAL)]
    assert hist == [(0.0, 1), (1.0, 1), (3.0, 1)]
    derived = protect._derived(cell(raw, "par_dispositif", TOTAL, TOTAL), hist, 3)
    assert (
        derived["delai_premiere_seance_q1_jours"],
        derived["delai_premiere_seance_mediane_jours"],
        derived["delai_premiere_seance_q3_jours"],
    ) == (0.5, 1.0, 2.0)


def test_months_are_paris_months(raw):
    months = raw.tables["par_mois"].cells
    # book 3's second session is 31 March 22:30 UTC, i.e. 1 April 00:30 in Paris
    assert months[("2026-04", "rural")]["cheques_encaisses"] == 1
    assert months[("2026-03", "rural")]["cheques_encaisses"] == 4
    assert months[("2026-03", "urban")]["cheques_encaisses"] == 10


def test_autonomy_progression_compares_first_and_last_noted_session(raw):
    everything = cell(raw, "par_dispositif", TOTAL, TOTAL)
    # book 1 rises (accompanied -> autonomous), book 2 falls, book 3 has one noted session only
    assert everything["autonomie_evaluables"] == 2
    assert everything["autonomie_progression"] == 1


def test_beneficiary_dimensions_themes_and_structures(raw, world):
    ages = raw.tables["par_tranche_age"].cells
    assert ages[("soixante_dix_plus", TOTAL)]["carnets_remis"] == 2
    assert ages[("dix_huit_vingt_quatre", "urban")]["carnets_termines"] == 1
    assert ages[("non_remis", TOTAL)]["carnets_emis"] == 1
    themes = raw.tables["par_thematique"].cells
    assert themes[("insertion_professionnelle", TOTAL)]["cheques_encaisses"] == 10
    assert themes[("aide_aux_demarches_administratives", TOTAL)]["beneficiaires"] == 1
    places = raw.tables["par_lieu"]
    assert places.cells[(str(world.other_structure), "urban")]["cheques_encaisses"] == 10
    assert (
        places.codes[str(world.other_structure)].isdigit()
        and len(places.codes[str(world.other_structure)]) == 14
    )
    funders = raw.tables["par_financeur"].cells
    assert funders[(str(world.world.funder_a.id), TOTAL)]["carnets_remis"] == 3
    assert funders[(str(world.world.funder_b.id), TOTAL)]["carnets_remis"] == 3


def test_with_three_people_everything_about_people_is_masked(raw):
    report = protect.protect(raw)
    assert report.total("carnets", "ensemble", "beneficiaires") is None
    assert report.total("carnets", "ensemble", "carnets_emis") is None
    assert all(
        c.rural.estimate is None and c.difference.estimate is None for c in report.comparisons
    )
    assert report.primary > 0


def test_a_threshold_below_eleven_is_refused(raw):
    with pytest.raises(DomainError) as exc:
        protect.protect(raw, threshold=5)
    assert exc.value.code == "threshold_too_low"


def test_a_funder_sees_only_its_programmes_and_an_evaluator_everything(session, world):
    other_funder = f.funder(session, "Autre fondation")
    f.programme(session, [(other_funder, 10_000)], name="Autre dispositif")
    user = people.create_user(
        session,
        f.ACTOR,
        email="f@test.fr",
        name="F",
        password="x" * 12,
        grants=[(world.world.funder_a.id, "funder")],
    )
    scope = counts.scope_for(session, Actor(label="f", user_id=user.id))
    assert scope.programmes == frozenset({world.world.programme.id})
    operator = f.funder(session, "Opérateur")  # an evaluator of a funder sees its programmes only
    evaluator = people.create_user(
        session,
        f.ACTOR,
        email="e@test.fr",
        name="E",
        password="x" * 12,
        grants=[(world.world.prescriber.id, "evaluator")],
    )
    assert counts.scope_for(session, Actor(label="e", user_id=evaluator.id)).programmes is None
    scoped = people.create_user(
        session,
        f.ACTOR,
        email="g@test.fr",
        name="G",
        password="x" * 12,
        grants=[(operator.id, "evaluator")],
    )
    assert counts.scope_for(session, Actor(label="g", user_id=scoped.id)).programmes == frozenset()
    with pytest.raises(DomainError):
        scope.narrowed(99_999)


def test_an_export_is_audited(session, world):
    import io

    from voucher.services.impact import export

    report = export.build_report(session, counts.EVERYTHING)
    export.export(session, report, "json", io.BytesIO(), release=1)
    export.audited(session, f.ACTOR, report, "json", 1)
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "impact.export")).one()
    assert event.details["format"] == "json" and event.details["threshold"] == 11


def test_sqlite_summer_time_periods_match_zoneinfo_hour_by_hour():
    from datetime import UTC, datetime, timedelta

    from voucher.domain.calendar import PARIS, summer_periods

    periods = summer_periods(range(2025, 2028))
    hour = datetime(2025, 1, 1, tzinfo=UTC)
    while hour.year < 2028:
        summer = any(start <= hour < end for start, end in periods)
        assert summer == (hour.astimezone(PARIS).utcoffset() == timedelta(hours=2)), hour
        hour += timedelta(hours=1)
    assert len(periods) == 3
