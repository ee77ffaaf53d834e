"""Fault drill: SIGKILL ``voucher issue`` in the middle of a large batch, once its first
chunk of books and vouchers is written. Nothing may be half-done (no batch, no book, no
voucher, no entry), the ledger stays balanced, and rerunning issues the batch exactly once,
its serials following on from the last book issued."""

from __future__ import annotations

from sqlalchemy import func, select

from tests import factories as f
from tests.drills import crash
from voucher.db.engine import unit_of_work
from voucher.db.models import Batch, Book, JournalEntry, Voucher
from voucher.services.finance import ledger_audit

BOOKS = 20_000  # 200,000 vouchers


def _counts(engine):
    with unit_of_work(engine) as s:
        return tuple(
            s.scalar(select(func.count()).select_from(m))
            for m in (Batch, Book, Voucher, JournalEntry)
        )


def test_killing_a_200k_voucher_issuance_leaves_nothing_and_a_rerun_completes_once(
    fresh_engine, tmp_path
):
    with unit_of_work(fresh_engine) as s:
        w = f.world(s, books=1)
        issue = (
            "issue",
            "--programme",
            str(w.programme.id),
            "--prescriber",
            str(w.prescriber.id),
            "--books",
            str(BOOKS),
        )
        last_serial = s.scalar(select(func.max(Book.serial)))
    before = _counts(fresh_engine)
    url = fresh_engine.url.render_as_string(hide_password=False)
    crash.kill_at("issue.books_written", url, tmp_path, *issue)
    assert _counts(fresh_engine) == before
    with unit_of_work(fresh_engine) as s:
        assert ledger_audit.verify(s).ok
    crash.complete(url, tmp_path, *issue)
    after = _counts(fresh_engine)
    assert after[0] == before[0] + 1 and after[2] == before[2] + BOOKS * 10
    with unit_of_work(fresh_engine) as s:
        assert ledger_audit.verify(s).ok
        batch = s.scalars(select(Batch).order_by(Batch.id.desc()).limit(1)).one()
        assert batch.first_serial == last_serial + 1
