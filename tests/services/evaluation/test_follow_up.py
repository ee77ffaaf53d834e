"""The follow-up answer, as the unlucky user and the curious organisation would try it:
dated before the last session (also across midnight in Paris), in the future, for a carnet
that was never handed out, by an organisation that never saw the person; and the comparison
group, which exists only once declared and never holds a carnet. Every refusal has its code
and changes nothing; every answer is audited."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests import factories as f
from tests.impact_world import small_world
from voucher.db.models import AuditEvent, FollowUp
from voucher.db.queries import evaluation as queries
from voucher.domain.errors import DomainError
from voucher.services.evaluation import follow_up


def rows(session) -> int:
    return int(session.scalar(select(func.count()).select_from(FollowUp)) or 0)


@pytest.fixture
def small(session):
    return small_world(session)


def record(session, small, serial_index: int, **kw):
    args = dict(
        serial=small.serials[serial_index],
        organisation_id=small.world.prescriber.id,
        role="prescriber",
        answer="autonome",
        observed_on=date(2026, 3, 20),
    )
    return follow_up.record(session, f.ACTOR, **{**args, **kw})


def refused(session, code: str, call) -> None:
    before = rows(session)
    with pytest.raises(DomainError) as caught:
        call()
    assert caught.value.code == code
    assert rows(session) == before


def test_an_answer_on_the_day_of_the_last_session_is_kept_per_person_and_audited(session, small):
    row = record(session, small, 0)
    assert (row.cohort, row.moment, row.answer, row.recorder_role) == (
        "pilote",
        "apres",
        "autonome",
        "prescriber",
    )
    got = queries.follow_up_answers(session, None)
    assert [(a.zone, a.answer) for a in got] == [("rural", "autonome")]
    assert session.scalar(
        select(func.count()).where(
            AuditEvent.action == "follow_up.record", AuditEvent.object_id == row.id
        )
    )
    # a later answer of the same person replaces the earlier one in the figures
    record(session, small, 0, answer="partiellement_autonome", observed_on=date(2026, 5, 2))
    assert [a.answer for a in queries.follow_up_answers(session, None)] == [
        "partiellement_autonome"
    ]


def test_the_structure_that_took_a_voucher_may_answer_another_may_not(session, small):
    row = record(session, small, 0, organisation_id=small.world.structure.id, role="structure")
    assert row.recorder_role == "structure"
    refused(
        session,
        "not_found",
        lambda: record(session, small, 0, organisation_id=small.other_structure, role="structure"),
    )
    stranger = f.prescriber(session, "Autre prescripteur")
    refused(session, "not_found", lambda: record(session, small, 0, organisation_id=stranger.id))
    refused(session, "not_found", lambda: record(session, small, 0, serial=999_999_999))


def test_dates_before_the_last_session_or_in_the_future_are_refused(session, small):
    refused(
        session,
        "follow_up_before_last_session",
        lambda: record(session, small, 0, observed_on=date(2026, 3, 19)),
    )
    # book 3's last session was at 00:30 on 1 April in Paris (31 March in UTC)
    refused(
        session,
        "follow_up_before_last_session",
        lambda: record(session, small, 2, observed_on=date(2026, 3, 31)),
    )
    assert record(session, small, 2, observed_on=date(2026, 4, 1)).id
    refused(
        session,
        "follow_up_in_future",
        lambda: record(session, small, 0, observed_on=date(2999, 1, 1)),
    )
    refused(
        session,
        "follow_up_after_first_session",
        lambda: record(session, small, 0, moment="avant", observed_on=date(2026, 3, 6)),
    )
    assert record(session, small, 0, moment="avant", observed_on=date(2026, 3, 5)).moment == "avant"


def test_a_carnet_not_handed_out_or_not_used_and_a_junk_answer_are_refused(session, small):
    refused(session, "book_not_handed_out", lambda: record(session, small, 3))
    refused(session, "follow_up_invalid_answer", lambda: record(session, small, 0, answer="oui"))
    refused(session, "invalid_value", lambda: record(session, small, 0, moment="pendant"))


def test_the_comparison_group_exists_once_declared_and_never_holds_a_carnet(session, small):
    pid = small.world.programme.id
    presc = small.world.prescriber.id

    def compare(ref: str, when: date = date(2026, 4, 1)):
        return follow_up.record_comparison(
            session,
            f.ACTOR,
            programme_id=pid,
            prescriber_id=presc,
            profile=f.profile(ref),
            key=f.KEY,
            answer="entierement_accompagne",
            observed_on=when,
            moment="avant",
        )

    refused(session, "no_comparison_group", lambda: compare("attente-1"))
    follow_up.declare(session, f.ACTOR, programme_id=pid, kind="liste_attente", label="Attente")
    with pytest.raises(DomainError) as again:
        follow_up.declare(session, f.ACTOR, programme_id=pid, kind="zone", label="Autre")
    assert again.value.code == "comparison_group_exists"
    assert compare("attente-1").cohort == "comparaison"
    # a person who holds a carnet of the programme (handed out 2 March) is in the pilot
    refused(session, "comparison_has_carnet", lambda: compare(small.local_refs[0]))
    # before the hand-out day, the same person could still answer as a comparison
    assert compare(small.local_refs[0], date(2026, 3, 1)).cohort == "comparaison"
    with pytest.raises(DomainError) as kind:
        follow_up.declare(session, f.ACTOR, programme_id=pid, kind="tirage", label="x")
    assert kind.value.code == "comparison_invalid_kind"
    assert queries.comparison_kinds(session, None) == ["liste_attente"]
