"""Cost per beneficiary and per completed carnet count the programme's other costs, entered
per programme and never changed; bad lines are refused and change nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests import factories as f
from tests.impact_world import crowd
from voucher.db.models import AuditEvent, Book, Redemption, Voucher
from voucher.domain.errors import DomainError
from voucher.services.evaluation import costs
from voucher.services.impact import counts, export


def test_costs_count_in_the_figures_and_divide_published_counts(session):
    world = crowd(session, rural=30, urban=30, tiny=3).world
    pid = world.programme.id
    costs.add(
        session,
        f.ACTOR,
        programme_id=pid,
        kind="impression",
        amount_cents=120_000,
        label="Imprimerie, facture 12",
    )
    costs.add(
        session,
        f.ACTOR,
        programme_id=pid,
        kind="frais_operateur",
        amount_cents=45_050,
        label="Plateforme, 2026",
    )
    costs.add(
        session,
        f.ACTOR,
        programme_id=pid,
        kind="correction",
        amount_cents=-5_050,
        label="Facture 12 : avoir",
    )
    assert costs.other_costs(session, frozenset({pid})) == 160_000
    report = export.build_report(session, counts.EVERYTHING)
    got = costs.figures(session, counts.EVERYTHING, report)
    face = session.scalar(
        select(func.sum(Redemption.face_value_cents)).where(Redemption.status == "accepted")
    )
    people = session.scalar(select(func.count(func.distinct(Book.beneficiary_id))))
    full = (
        select(Voucher.book_id)
        .join(Book, Book.id == Voucher.book_id)
        .where(Book.beneficiary_id.is_not(None))
        .group_by(Voucher.book_id)
        .having(
            func.count()
            == func.sum(
                func.coalesce(
                    select(func.count())
                    .where(Redemption.voucher_id == Voucher.id, Redemption.status == "accepted")
                    .scalar_subquery(),
                    0,
                )
            )
        )
    )
    completed = len(session.execute(full).all())
    assert got.face_value_cents == face
    assert got.other_cents == 160_000
    assert got.total_cents == face + 160_000
    assert got.beneficiaries == people == 63
    assert got.per_beneficiary_cents == round((face + 160_000) / people)
    if completed >= 11:
        assert got.completed == completed
        assert got.per_completed_cents == round((face + 160_000) / completed)
    else:
        assert got.per_completed_cents is None


@pytest.mark.parametrize(
    ("kind", "amount", "label", "code"),
    [
        ("impression", -100, "Avoir", "invalid_amount"),
        ("impression", 0, "Rien", "invalid_amount"),
        ("pots_de_vin", 100, "Divers", "invalid_cost_kind"),
        ("impression", 100, "", "invalid_value"),
        ("correction", -100, "Plus que le total", "cost_below_zero"),
    ],
)
def test_bad_lines_are_refused_and_change_nothing(session, kind, amount, label, code):
    world = f.world(session, books=1)
    before = session.scalar(select(func.count()).select_from(AuditEvent))
    with pytest.raises(DomainError) as e:
        costs.add(
            session,
            f.ACTOR,
            programme_id=world.programme.id,
            kind=kind,
            amount_cents=amount,
            label=label,
        )
    assert e.value.code == code
    assert costs.lines(session, None) == []
    assert session.scalar(select(func.count()).select_from(AuditEvent)) == before


def test_an_unknown_programme_is_refused(session):
    with pytest.raises(DomainError) as e:
        costs.add(session, f.ACTOR, programme_id=987654, kind="autre", amount_cents=1, label="Test")
    assert e.value.code == "not_found"
