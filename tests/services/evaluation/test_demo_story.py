"""The demo tells a true, reproducible story: publics are mixed across zones, more than 200
carnets per zone, every outcome (progress, same, drop, already autonomous, not evaluable) in
both zones, a waiting-list cohort asked before and after like the pilot, and the report
states what the pilot can and cannot see, its design and its limits. Two builds from the same
seed give the same figures, to the last digit, the finance history included."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from tests import factories as f
from voucher.db.engine import unit_of_work
from voucher.db.models import PaymentTransfer, Statement
from voucher.db.queries import evaluation as queries
from voucher.domain import outcome
from voucher.domain.calendar import at
from voucher.services import demo
from voucher.services.evaluation import overview, published
from voucher.services.finance import reconciliation
from voucher.services.impact import counts, release

TODAY = date(2026, 11, 20)


def build_and_read(engine):
    with unit_of_work(engine) as s:
        demo.build(s, today=TODAY)
    with unit_of_work(engine) as s:  # what readers get: the release of the closed month
        now = datetime(2026, 12, 5, 10, tzinfo=UTC)
        with at(now):
            rel = release.publish(s, f.ACTOR, period=release.closed_month(now), now=now)
        report = release.report_for(rel, counts.EVERYTHING)
        view = published.overview_of(report)
        people = queries.people_sessions(s, None)
        lines = overview.report_lines(report, view)
        money = s.execute(  # the finance history: statements, their transfers and the bank
            select(
                Statement.number,
                Statement.period,
                Statement.total_cents,
                PaymentTransfer.status,
                PaymentTransfer.amount_cents,
            )
            .join(PaymentTransfer, PaymentTransfer.statement_id == Statement.id)
            .order_by(Statement.number, PaymentTransfer.id)
        ).all() + [(reconciliation.reconcile(s).bank_cents,)]
        s.rollback()
    return report, view, people, lines, money


@pytest.fixture(scope="module")
def two_builds(databases):
    return build_and_read(databases.engine()), build_and_read(databases.engine())


def figures(report, view, lines):
    """Everything the page and the report publish, as plain values."""
    comparisons = [
        (c.code, c.rural.n, c.rural.estimate, c.urban.n, c.urban.estimate, c.conclusion)
        for c in report.comparisons
    ]
    return (comparisons, repr(view), lines)


@pytest.mark.slow
def test_two_demo_builds_publish_identical_figures(two_builds):
    (r1, v1, _, l1, m1), (r2, v2, _, l2, m2) = two_builds
    assert figures(r1, v1, l1) == figures(r2, v2, l2)
    assert len(m1) > 50 and m1 == m2  # same statements, transfers and bank balance
    assert v1.before_after is not None and v1.before_after.estimate is not None


@pytest.mark.slow
def test_the_demo_shows_a_modest_gap_its_intervals_can_tell(two_builds):
    report, view, people, lines, _money = two_builds[0]
    completed = next(c for c in report.comparisons if c.code == "carnets_termines")
    assert min(completed.rural.n, completed.urban.n) >= 200
    assert completed.difference.estimate > 0
    # zone and public are not one and the same any more
    publics = {(p.zone, p.population) for p in people.values()}
    assert {z for z, _ in publics} == {"rural", "urbain"}
    assert all(("rural", pop) in publics and ("urbain", pop) in publics for _, pop in publics)
    # every outcome category is there, in both zones, counted per person
    raw = outcome.table([outcome.Person(p.zone, p.levels, len(p.levels)) for p in people.values()])
    assert all(raw[z][c] > 0 for z in ("rural", "urbain") for c in outcome.CATEGORIES)
    # completion, adjusted for public and age band, is told with its interval
    assert view.completion_by_public.significant
    assert "plus élevée en zone rurale" in view.completion_by_public.conclusion
    # what is published says no more than its interval
    for adjusted in (
        view.by_sessions,
        view.by_sessions_and_public,
        view.completion_by_public,
        view.follow_up_by_public,
    ):
        if adjusted.gap is not None:
            said = "ne permettent pas de dire" not in adjusted.conclusion
            assert said == adjusted.significant
    text = " ".join(lines)
    assert re.search(r"Avec \d{3} et \d{3} carnets, le pilote peut voir un écart d'au moins", text)
    assert "liste d'attente" in text and "tendances parallèles" in text


@pytest.mark.slow
def test_the_demo_before_after_with_its_waiting_list(two_builds):
    _report, view, _people, lines, _money = two_builds[0]
    ba = view.before_after
    assert ba.design == "liste_attente" and ba.published
    assert all(c is not None and c.people >= 100 for c in ba.cells.values())
    assert ba.low < ba.estimate < ba.high
    assert ("ne permettent pas de dire" not in ba.conclusion) == ba.significant
    follow = view.follow_ups.cells
    assert follow["autonome"]["rural"] >= 11 and follow["autonome"]["urbain"] >= 11
