"""The attacker's test for the evaluation: from the page and the report, can one learn a
count of 1 to 10 people, or recover a masked outcome cell from the published totals? And the
auditor's: does the per-beneficiary outcome count people (not carnets) exactly as the
sessions recorded say? The same for the newer figures: the follow-up answers, the completion
and follow-up comparisons at equal public, and the before/after with a comparison group."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest

from tests import factories as f
from tests.impact_world import crowd
from voucher.db.engine import unit_of_work
from voucher.db.queries import evaluation as queries
from voucher.domain import outcome
from voucher.domain.calendar import at
from voucher.domain.suppression import TOTAL
from voucher.services.evaluation import follow_up, overview, published
from voucher.services.impact import release, secrecy

LEVELS = ["entierement_accompagne", "partiellement_autonome", "autonome"]


@pytest.fixture(scope="module")
def crowd_view(databases):
    engine = databases.engine()
    with unit_of_work(engine) as s:
        crowd(s, rural=40, urban=36, tiny=3)
        _rel, reports, _raws = released(s)
        view = published.overview_of(reports[0])
        people = queries.people_sessions(s, None)
        lines = overview.report_lines(reports[0], view)
        s.rollback()
    return view, people, lines


def released(s):
    """The release a reader gets (published a month and more after the records), its
    views as frozen, and the raw figures behind them (for the attacker)."""
    now = datetime(2026, 8, 15, 10, tzinfo=UTC)
    rel = release.publish(s, f.ACTOR, period=release.closed_month(now), now=now)
    raws = release.views(s, None, release.period_end(rel.period))
    return rel, [release.thaw(v) for v in rel.views], raws


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


ANSWERS = ["autonome", "partiellement_autonome", "entierement_accompagne", "non_communique"]


@pytest.fixture(scope="module")
def followed_view(databases):
    """The crowd, each person asked after their sessions (answer k % 4, the 3 urban seniors
    of 70+ all "alone"), and a waiting list of 30 asked before and after (12 alone after)."""
    engine = databases.engine()
    with unit_of_work(engine) as s, at(datetime(2026, 7, 1, 10, tzinfo=UTC)):
        small = crowd(s, rural=40, urban=36, tiny=3)
        w = small.world
        for k, serial in enumerate(small.serials):
            follow_up.record(
                s,
                f.ACTOR,
                serial=serial,
                organisation_id=w.prescriber.id,
                role="prescriber",
                answer="autonome" if k >= 76 else ANSWERS[k % 4],
                observed_on=date(2026, 6, 30),
            )
        follow_up.declare(
            s, f.ACTOR, programme_id=w.programme.id, kind="liste_attente", label="Attente"
        )
        for k in range(30):
            for moment, day, alone in (("avant", 1, k < 3), ("apres", 29, k < 12)):
                follow_up.record_comparison(
                    s,
                    f.ACTOR,
                    programme_id=w.programme.id,
                    prescriber_id=w.prescriber.id,
                    profile=f.profile(f"attente-{k}"),
                    key=f.KEY,
                    answer="autonome" if alone else "entierement_accompagne",
                    observed_on=date(2026, 6, day),
                    moment=moment,
                )
        rel, reports, raws = released(s)
        view = published.overview_of(reports[0])
        lines = overview.report_lines(reports[0], view)
        s.rollback()
    return view, lines, reports, raws, rel


def test_no_published_follow_up_cell_describes_1_to_10_people_or_can_be_solved(followed_view):
    view = followed_view[0]
    cells = view.follow_ups.cells
    published = [v for row in cells.values() for v in row.values() if v is not None]
    assert published and all(v == 0 or v >= 11 for v in published)
    # one unknown in a row or column sum is solved at once: a masked cell has a masked partner
    rows, cols = [*cells], [*overview.ZONES, TOTAL]
    for r in rows:
        assert len([z for z in cols if cells[r][z] is None]) != 1, r
    for z in cols:
        assert len([r for r in rows if cells[r][z] is None]) != 1, z


def test_the_before_after_shows_cells_of_11_or_more_or_nothing(followed_view):
    view, lines = followed_view[:2]
    ba = view.before_after
    assert ba is not None and ba.design == "liste_attente"
    # 3 of the waiting list did it alone before: a cell of 1 to 10, so nothing is shown
    assert not ba.published and ba.estimate is None
    assert all(c is None for c in ba.cells.values())
    assert "Avant/après : Non publié" in " ".join(lines)


def test_the_before_after_is_withheld_when_a_follow_up_total_it_adds_up_is_masked(monkeypatch):
    """The pilot's "after" cell adds up the follow-up table's totals: with one of them
    masked (secondary suppression), publishing the cell would give it back."""
    from voucher.db.queries.evaluation import Answered

    def said(i: int, cohort: str, moment: str) -> str:
        step = 2 if cohort == "pilote" and moment == "apres" else 3
        return "autonome" if i % step == 0 else "partiellement_autonome"

    answers = [
        Answered(i, c, m, said(i, c, m), "rural" if i % 2 else "urbain", "s", "a")
        for i in range(200)
        for c in ("pilote", "comparaison")
        for m in ("avant", "apres")
    ]
    monkeypatch.setattr(queries, "comparison_kinds", lambda _s, _p: ["zone"])
    table = overview.follow_up_table(answers, 11)
    masked = replace(
        table, cells={**table.cells, "autonome": {**table.cells["autonome"], TOTAL: None}}
    )
    shown = overview.before_after(["zone"], answers, table, 11)
    hidden = overview.before_after(["zone"], answers, masked, 11)
    assert shown.published and shown.cells[("pilote", "apres")].alone == 100
    assert shown.cells[("pilote", "apres")].alone == table.cells["autonome"][TOTAL]
    assert not hidden.published and hidden.estimate is None
    assert all(c is None for c in hidden.cells.values())


def test_comparisons_at_equal_public_rest_on_published_cells_only(followed_view):
    view = followed_view[0]
    cells = view.follow_ups.cells
    answered = ("autonome", "partiellement_autonome", "entierement_accompagne")
    masked = any(cells[a][z] is None for a in answered for z in ("rural", "urbain"))
    fu = view.follow_up_by_public
    assert (fu.gap is None) if masked else fu.published
    if fu.published:
        assert fu.n_rural == sum(cells[a]["rural"] for a in answered)
    comp = view.completion_by_public
    assert comp.adjusted_for == ("public prioritaire", "tranche d'âge")
    assert comp.gap is None or comp.published


def test_the_attacker_reads_the_evaluation_tables_of_the_release_and_narrows_nothing(
    followed_view,
):
    """The evaluation's people counts are ordinary tables of every view of the release:
    the same attacker as every impact figure solves them (margins, other tables, earlier
    releases) and pins no small group below the protection."""
    _view, _lines, reports, raws, rel = followed_view
    names = {t.name for t in reports[0].tables}
    assert {published.AUTONOMY_TABLE, published.FOLLOW_UP_TABLE} <= names
    small = [
        x
        for raw, report in zip(raws, reports, strict=True)
        for x in secrecy.sensitive(raw, report)
        if x.table in (published.AUTONOMY_TABLE, published.FOLLOW_UP_TABLE)
    ]
    assert small, "the world has small groups in the evaluation tables: they are masked"
    assert secrecy.audit(raws, reports) == []
    # the frozen estimates carry no count of a withheld comparison
    for key, frozen in reports[0].evaluation.items():
        if frozen and not frozen["published"] and key != "before_after":
            assert set(frozen) == {"published", "conclusion", "adjusted_for"}
    assert rel.pattern[0][published.AUTONOMY_TABLE]  # masked cells are part of the pattern
