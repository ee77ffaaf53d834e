"""The attacker's test for the evaluation: from the page and the report, can one learn a
count of 1 to 10 people, or recover a masked outcome cell from the published totals? And the
auditor's: does the per-beneficiary outcome count people (not carnets) exactly as the
sessions recorded say?"""

from __future__ import annotations

from collections import Counter

import pytest

from tests.impact_world import crowd
from voucher.db.engine import unit_of_work
from voucher.db.queries import evaluation as queries
from voucher.domain import outcome
from voucher.domain.suppression import TOTAL
from voucher.services.evaluation import overview
from voucher.services.impact import counts, export

LEVELS = ["entierement_accompagne", "partiellement_autonome", "autonome"]


@pytest.fixture(scope="module")
def crowd_view(databases):
    engine = databases.engine()
    with unit_of_work(engine) as s:
        crowd(s, rural=40, urban=36, tiny=3)
        report = export.build_report(s, counts.EVERYTHING)
        view = overview.overview(s, counts.EVERYTHING, report)
        people = queries.people_sessions(s, None)
        lines = overview.report_lines(report)
        s.rollback()
    return view, people, lines


def expected_category(k: int) -> str:
    """The crowd world's k-th person: k % 5 + 1 sessions, level min(2, i*(k%3)//2) at the i-th."""
    levels = [LEVELS[min(2, (i * (k % 3)) // 2)] for i in range(k % 5 + 1)]
    return outcome.category(levels)


def test_outcome_counts_people_as_recorded(crowd_view):
    _view, people, _ = crowd_view
    assert len(people) == 79  # one row per beneficiary, not per carnet or session
    got = Counter((p.zone, outcome.category(p.levels)) for p in people.values())
    want = Counter(("urbain" if k >= 40 else "rural", expected_category(k)) for k in range(79))
    assert got == want
    assert all(len(p.levels) >= 1 for p in people.values())


def test_no_published_outcome_cell_describes_1_to_10_people(crowd_view):
    view, _, _ = crowd_view
    cells = view.outcomes.cells
    published = [v for row in cells.values() for v in row.values() if v is not None]
    masked = [(r, z) for r, row in cells.items() for z, v in row.items() if v is None]
    assert published and masked
    assert all(v == 0 or v >= 11 for v in published)


def test_a_masked_outcome_cell_cannot_be_recovered_from_its_row_or_column(crowd_view):
    view, _, _ = crowd_view
    cells = view.outcomes.cells
    rows = [*outcome.CATEGORIES, TOTAL]
    cols = [*overview.ZONES, TOTAL]
    for r in rows:
        masked = [z for z in cols if cells[r][z] is None]
        assert len(masked) != 1, (r, masked)  # one unknown in a sum is solved at once
    for z in cols:
        masked = [r for r in rows if cells[r][z] is None]
        assert len(masked) != 1, (z, masked)


def test_the_adjusted_gap_is_not_published_from_masked_cells(crowd_view):
    """Here "progress" is published (18 and 18) but "same" is masked: the comparison would
    say how many people it compares (progress + same + drop) and give "same" back."""
    view, _, _ = crowd_view
    cells = view.outcomes.cells
    assert cells["progres"]["rural"] == 18 and cells["stable"]["rural"] is None
    for adjusted in (view.by_sessions, view.by_sessions_and_public):
        assert adjusted.gap is None and not adjusted.published
        assert adjusted.conclusion.startswith("Non publié")


def test_the_report_states_the_design_and_what_the_pilot_can_see(crowd_view):
    _view, _, lines = crowd_view
    text = " ".join(lines)
    assert "sans tirage au sort ni groupe témoin" in text
    assert "le pilote peut voir un écart d'au moins" in text or "Non publié" in text
