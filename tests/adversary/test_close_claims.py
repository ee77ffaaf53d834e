"""The adversary of the set-based month close: one ``UPDATE … FROM statement`` claims a
month's scans for every structure at once, so a wrong join would hand one structure's scans
to another's statement, claim a scan twice, or claim what moved underneath. Promises: each
accepted scan of the month goes to its own structure's statement exactly once; held,
blocked, later and out-of-scope scans stay unclaimed; a scan cancelled or recorded between
the count and the claim makes the close refuse (``close_conflict``) with nothing written."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, update

from tests.services.finance import finance_world as fw
from voucher.db.models import DocumentSequence, Redemption, Statement, StatementProgramme
from voucher.domain import calendar
from voucher.domain.errors import DomainError
from voucher.domain.finance import Period
from voucher.services.context import SYSTEM
from voucher.services.finance import close as month_close
from voucher.services.finance import ledger_audit, statements_check

MAY = fw.paris(2026, 5, 3)


def _close(session, actor=SYSTEM):
    with calendar.at(MAY):
        return month_close.close_month(session, actor, Period(2026, 3))


def test_each_scan_goes_to_its_own_structures_statement_exactly_once(session):
    w = fw.world(session, structures=4, banked=3, books=8)  # the fourth place is blocked
    other = fw.world(session)  # another programme at the same places, outside the scope
    other.structures = w.structures
    for k in range(24):
        fw.scan(session, w, fw.paris(2026, 3, 1 + k), structure=k % 4)
    late = fw.scan(session, w, fw.paris(2026, 4, 1, 0, 30), structure=0)  # after the end
    foreign = fw.scan(session, other, fw.paris(2026, 3, 9), structure=1)
    accountant = fw.person(session, w.w.funder_a.id)
    result = _close(session, accountant)
    assert [b.structure_id for b in result.blocked] == [w.structures[3].id]
    assert sorted((s.structure_id, s.line_count, s.total_cents) for s in result.created) == sorted(
        (w.structures[i].id, 6, 6000) for i in range(3)
    )
    owner = dict(session.execute(select(Statement.id, Statement.structure_id)).all())
    rows = session.execute(
        select(Redemption.id, Redemption.structure_id, Redemption.statement_id)
    ).all()
    claimed = [r for r in rows if r.statement_id is not None]
    assert len(claimed) == 18 and all(owner[r.statement_id] == r.structure_id for r in claimed)
    unclaimed = {r.id for r in rows if r.statement_id is None}
    assert {late.redemption_id, foreign.redemption_id} <= unclaimed
    assert len(unclaimed) == 6 + 2  # the blocked place's six, the late one, the foreign one
    per_programme = session.execute(
        select(func.sum(StatementProgramme.line_count), func.sum(StatementProgramme.total_cents))
    ).one()
    assert tuple(per_programme) == (18, 18000)
    assert _close(session, accountant).created == []  # nothing claimed twice
    assert statements_check.verify(session).ok and ledger_audit.verify(session).ok


@pytest.mark.parametrize("move", ["cancelled underneath", "recorded underneath"])
def test_a_scan_that_moves_between_the_count_and_the_claim_refuses_the_close(
    session, monkeypatch, move
):
    w = fw.world(session, structures=2)
    scans = [fw.scan(session, w, fw.paris(2026, 3, 2 + k), structure=k % 2) for k in range(4)]
    counted = month_close._candidates

    def then_move(*args):
        found = counted(*args)
        if move == "cancelled underneath":
            session.execute(
                update(Redemption)
                .where(Redemption.id == scans[0].redemption_id)
                .values(status="cancelled")
            )
        else:  # an offline scan of the month arriving at the same moment
            fw.scan(session, w, fw.paris(2026, 3, 20), structure=1)
        return found

    monkeypatch.setattr(month_close, "_candidates", then_move)
    before = session.scalar(select(func.coalesce(func.max(DocumentSequence.last_number), 0)))
    attempt = session.begin_nested()
    with pytest.raises(DomainError) as refused:
        _close(session)
    attempt.rollback()
    assert refused.value.code == "close_conflict"
    assert session.scalar(select(func.count()).select_from(Statement)) == 0
    assert (
        session.scalar(
            select(func.count()).select_from(Redemption).where(Redemption.statement_id.isnot(None))
        )
        == 0
    )
    assert (
        session.scalar(select(func.coalesce(func.max(DocumentSequence.last_number), 0))) == before
    )
