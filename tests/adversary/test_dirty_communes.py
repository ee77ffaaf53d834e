"""The unlucky operator: one old row carries a postcode where the INSEE commune code
belongs (typed before the hand-out checked codes). The operator is told, and the figures
for everyone else stay published: the row is no zone of its own."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update

from voucher.db.engine import unit_of_work
from voucher.db.models import Beneficiary
from voucher.db.queries.communes import bad_codes
from voucher.services import demo
from voucher.services.impact import counts, export, protect

HEADLINE = ("beneficiaires", "carnets_remis", "carnets_commences", "cheques_encaisses")


@pytest.mark.slow
def test_a_postcode_typed_as_commune_leaves_the_demo_headline_figures_published(fresh_engine):
    with unit_of_work(fresh_engine) as s:
        demo.build(s, today=date(2026, 11, 20))
    with unit_of_work(fresh_engine) as s:
        before = export.build_report(s, counts.EVERYTHING)
        person = s.scalars(select(Beneficiary).order_by(Beneficiary.id)).first()
        s.execute(  # as the old hand-out wrote it: a postcode, so no density class either
            update(Beneficiary)
            .where(Beneficiary.id == person.id)
            .values(commune_insee="86000", density_class=None, zone_kind=None)
        )
    with unit_of_work(fresh_engine) as s:
        assert [b.code for b in bad_codes(s)] == ["86000"]
        after = export.build_report(s, counts.EVERYTHING)
    for zone in ("ensemble", "rural", "urbain"):
        shown = protect.key_figures(after, zone)
        assert all(shown[m] is not None for m in HEADLINE), (zone, shown)
    assert (
        protect.key_figures(after)["beneficiaires"] == protect.key_figures(before)["beneficiaires"]
    )
