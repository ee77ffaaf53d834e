"""B7's world at the full scale needs more books than one batch may hold (200,000 against
``batches.MAX_BOOKS``): it is issued in parts. With the limit lowered, a small world takes
the same path: several batches, every book handed out, the scans spread over them, and a
valid ledger."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bench import export
from voucher.db.engine import unit_of_work
from voucher.db.models import Batch, Book, Redemption
from voucher.services.finance import ledger_audit
from voucher.services.issuance import batches


def test_a_world_larger_than_one_batch_is_issued_in_parts(
    fresh_engine, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr(batches, "MAX_BOOKS", 50)
    export.build(fresh_engine, 600)  # 120 books: three batches of 40
    with unit_of_work(fresh_engine) as s:
        sizes = s.execute(
            select(func.count()).select_from(Book).group_by(Book.batch_id).order_by(Book.batch_id)
        ).scalars()
        assert list(sizes)[-3:] == [40, 40, 40]
        assert s.scalar(select(func.count()).select_from(Batch)) >= 3
        assert s.scalar(select(func.count()).where(Book.beneficiary_id.is_(None))) <= 1
        scanned = s.scalars(
            select(func.count(func.distinct(Book.batch_id))).join(
                Redemption, Redemption.book_id == Book.id
            )
        ).one()
        assert scanned == 3
        n = s.scalar(select(func.count()).select_from(Redemption))
        assert 400 <= n <= 800
        report = ledger_audit.verify(s)
        assert report.ok, report.problems
