"""The demo gives every workspace something to look at, the review queue and the alerts
included, and leaves a journal that passes the audit."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from voucher.db.engine import unit_of_work
from voucher.db.models import User
from voucher.services import demo
from voucher.services.access import programme_scope
from voucher.services.context import Actor
from voucher.services.finance import ledger_audit
from voucher.services.redemption import alerts, holds, review


@pytest.mark.slow
def test_the_demo_leaves_held_scans_to_review_and_alerts(fresh_engine):
    with unit_of_work(fresh_engine) as s:
        summary = demo.build(s, today=date(2026, 11, 20))
    assert summary.held == 2
    with unit_of_work(fresh_engine) as s:
        assert ledger_audit.verify(s).ok
        funder = s.scalar(select(User).where(User.email == "financeur@demo.pass-numerique.test"))
        reviewer = Actor(label="Camille", user_id=funder.id)
        scope = programme_scope.scope_for(s, reviewer)
        open_holds = review.list_holds(s, scope)
        assert sorted(h.rule for h in open_holds) == ["book_per_day", "book_per_day"]
        assert len({h.structure_id for h in open_holds}) == 2
        assert all(
            h.evidence["count_today"] == 3 and len(h.evidence["redemption_ids"]) == 2
            for h in open_holds
        )
        assert all(h.scanner_user_id not in (None, funder.id) for h in open_holds)
        high = alerts.list_flags(
            s, scope, alerts.FlagFilter(rule="already_redeemed", severity="high")
        )
        assert len(high) == 1
        holds.release(s, reviewer, open_holds[0].id)
        holds.reject(s, reviewer, open_holds[1].id, "carnet présenté par un tiers")
    with unit_of_work(fresh_engine) as s:
        assert ledger_audit.verify(s).ok
