"""The demo tells a true story: publics are mixed across zones, more than 200 carnets per
zone, every outcome (progress, same, drop, already autonomous, not evaluable) in both zones,
and the report states what the pilot can and cannot see. (The demo's figures move a little
from one build to the next, so only its shape is checked here.)"""

from __future__ import annotations

import re
from datetime import date

import pytest

from voucher.db.engine import unit_of_work
from voucher.db.queries import evaluation as queries
from voucher.domain import outcome
from voucher.services import demo
from voucher.services.evaluation import overview
from voucher.services.impact import counts, export


@pytest.mark.slow
def test_the_demo_shows_a_modest_gap_its_intervals_can_tell(fresh_engine):
    with unit_of_work(fresh_engine) as s:
        demo.build(s, today=date(2026, 11, 20))
    with unit_of_work(fresh_engine) as s:
        report = export.build_report(s, counts.EVERYTHING)
        view = overview.overview(s, counts.EVERYTHING, report)
        people = queries.people_sessions(s, None)
        lines = overview.report_lines(report)
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
    # what is published says no more than its interval
    for adjusted in (view.by_sessions, view.by_sessions_and_public):
        if adjusted.gap is not None:
            said = "ne permettent pas de dire" not in adjusted.conclusion
            assert said == adjusted.significant
    text = " ".join(lines)
    assert re.search(r"Avec \d{3} et \d{3} carnets, le pilote peut voir un écart d'au moins", text)
