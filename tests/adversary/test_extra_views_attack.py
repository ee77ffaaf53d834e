"""Figures another module adds to releases (``release.EXTRA_VIEWS``, ``impact.register``)
are attacked like the others: the attacker reads every table a release stores, whatever
its name or family, with every people count in it (measures of kind "people").

The extra view here stands for the evaluation's figures: a table of people by age band
with a part of them (here, copied from the books: people who started a book, of whom
those who completed it), of a family the attacker has no model for.
"""

from __future__ import annotations

import random

import pytest

from tests import factories as f
from tests.adversary import worlds as w
from tests.impact_world import crowd
from voucher.db.engine import unit_of_work
from voucher.domain import impact as dom
from voucher.domain.suppression import TOTAL
from voucher.services.impact import joint, protect, release, secrecy
from voucher.services.impact.counts import RawFigures, RawTable

FAMILY = "suivi_essai"
MEASURES = (
    dom.Measure("suivis", "Personnes suivies", "Personnes ayant commencé.", "people"),
    dom.Measure(
        "arrives_au_bout",
        "Arrivés au bout",
        "Personnes ayant terminé.",
        "people",
        part_of="suivis",
    ),
)
EXTRA = dom.Dimension(
    "tranche_age", "suivi_par_age", "Suivi par tranche d'âge", FAMILY, one_row_per_person=True
)


@pytest.fixture
def registered(monkeypatch):
    """The extra table registered for the test only."""
    monkeypatch.setitem(dom.FAMILY_MEASURES, FAMILY, MEASURES)
    monkeypatch.setitem(dom.DIMENSION_BY_TABLE, EXTRA.table, EXTRA)
    monkeypatch.setattr(release, "EXTRA_VIEWS", [add_extra])


def _extra(raw: RawFigures) -> RawTable:
    ages = raw.tables["par_tranche_age"]
    rows = [r for r in ages.rows if r != dom.NOT_HANDED_OUT]
    table = RawTable(EXTRA, rows, {r: ages.codes[r] for r in rows}, dict(ages.labels))
    table.cells = {
        (row, zone): {
            "suivis": cell.get("carnets_commences", 0),
            "arrives_au_bout": cell.get("carnets_termines", 0),
        }
        for (row, zone), cell in ages.cells.items()
        if row != dom.NOT_HANDED_OUT and cell.get("carnets_commences", 0)
    }
    return table


def add_extra(_session, raws, _until) -> None:
    for raw in raws:
        raw.tables[EXTRA.table] = _extra(raw)


def test_a_registered_table_is_protected_and_its_masks_are_attacked(registered) -> None:
    world = w.draw(random.Random(5), 40)
    views = w.views(world)
    add_extra(None, views, None)
    report = protect.protect(views[0])
    extra = report.table(EXTRA.table)
    assert any(v is None for r in extra.rows for v in r.values.values()), "small groups masked"
    # one masked cell shown again: its secondary partners no longer hide the first one
    truth = views[0].tables[EXTRA.table].cells
    masked = [r for r in extra.rows if r.values["suivis"] is None]
    zone = {v: k for k, v in dom.ZONES.items()}
    small = [r for r in masked if 0 < truth[(r.code, zone.get(r.zone, r.zone))]["suivis"] < 11]
    assert small
    for r in masked:
        if r is not small[0]:
            r.values.update(truth[(r.code, zone.get(r.zone, r.zone))])
    leaks = secrecy.audit(views, [report])
    assert any(x.sensitive.table == EXTRA.table for x in leaks), "the attacker reads it"
    reports = joint.protect_release(views)
    assert EXTRA.table in {t.name for t in reports[0].tables}
    found = secrecy.intervals(views, reports)
    assert any(x.sensitive.table == EXTRA.table for x in found)
    assert not secrecy.audit(views, reports)


def test_a_release_with_an_extra_view_stores_it_and_leaves_nothing_narrowed(
    registered, databases
) -> None:
    with unit_of_work(databases.engine()) as s:
        crowd(s, rural=30, urban=26, tiny=3)
        rel = release.publish(s, f.ACTOR, period="2026-03")
        shown = [release.thaw(v) for v in rel.views]
        raws = release.views(s, None, release.period_end("2026-03"))
        s.rollback()
    assert EXTRA.table in {t["name"] for t in rel.views[0]["tables"]}
    assert EXTRA.table in rel.pattern[0]
    extra = shown[0].table(EXTRA.table)
    assert extra.measures == MEASURES and any(r.code == TOTAL for r in extra.rows)
    found = secrecy.intervals(raws, shown)
    assert any(x.sensitive.table == EXTRA.table for x in found), "its masked cells attacked"
    leaks = secrecy.audit(raws, shown)
    assert not leaks, [(x.sensitive.describe(), x.low, x.high) for x in leaks]
