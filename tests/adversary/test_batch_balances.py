"""The offline desk against the balances an offline batch moves in its last write
(PostgreSQL, :func:`voucher.services.redemption.batch_write.write_all` with ``balances``):

* a batch of plain acceptances moves its balances in its one set-based write, and the
  ledger ends exactly as the per-scan way leaves it (same balances, same postings, audit
  green);
* four desks sending such batches at once, on one programme's shared accounts, move
  parts that sum to their postings: no cent lost or counted twice when their last writes
  meet on the same account.

On SQLite both ways are the per-scan way (no set-based write): the first test still holds.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from tests import factories as f
from voucher.db.engine import unit_of_work
from voucher.db.models import Account, Book, Posting, Voucher
from voucher.domain.calendar import utcnow
from voucher.domain.idempotency import fingerprint
from voucher.services.context import Actor
from voucher.services.finance import journal, ledger_audit
from voucher.services.issuance import handout
from voucher.services.redemption import batch_write, offline, offline_sets, redeem
from voucher.web.api import scan_views

DESKS = 4


def _world(engine: Any, books: int) -> tuple[int, list[str]]:
    """A place and handed-out books; the codes of each book's first two vouchers (a third
    the same day would be held by the book rule: not a plain acceptance)."""
    with unit_of_work(engine) as s:
        w = f.world(s, books=books, fraud_thresholds={})
        serials = s.scalars(select(Book.serial).where(Book.batch_id == w.batch.id)).all()
        for serial in serials:
            handout.hand_out(
                s, f.ACTOR, serial=serial, prescriber_id=w.prescriber.id,
                profile=f.profile(f"batch-{serial}"), key=f.KEY,
            )  # fmt: skip
        codes = s.scalars(
            select(Voucher.code)
            .join(Book)
            .where(Book.batch_id == w.batch.id, Voucher.position <= 2)
            .order_by(Book.serial, Voucher.position)
        ).all()
        return w.structure.id, [str(c) for c in codes]


def _batch(desk: str, codes: list[str], sid: int) -> list[offline.Sent]:
    at = utcnow() - timedelta(hours=1)
    return [
        offline.Sent(
            redeem.Scan(code=c, structure_id=sid, scan_id=f"{desk}-{i}", scanned_at=at),
            fingerprint({"code": c, "scanned_at": at.isoformat()}),
        )
        for i, c in enumerate(codes)
    ]


def _send(engine: Any, desk: str, sent: list[offline.Sent], sid: int) -> list[str]:
    with unit_of_work(engine) as s:
        answers = offline.process(
            s, Actor(label=desk, organisation_id=sid), sent, scan_views.stored
        )
    return [json.loads(a.body)["status"] for a in answers]


def _ledger(engine: Any) -> tuple[dict[str, int], dict[str, int]]:
    """Every account's balance (row plus parts) and its postings' sum; the audit green."""
    with unit_of_work(engine) as s:
        assert ledger_audit.verify(s).ok
        postings = dict(
            s.execute(
                select(Account.code, func.sum(Posting.amount))
                .join(Posting, Posting.account_id == Account.id)
                .group_by(Account.code)
            ).all()
        )
        balances = {c: b for c, b in journal.balances(s).items() if b or c in postings}
        return balances, {c: int(v) for c, v in postings.items()}


def _spy(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    moved: list[bool] = []
    write_all = batch_write.write_all

    def spied(conn: Any, scans: Any, **kw: Any) -> None:
        moved.append(kw.get("balances", False))
        write_all(conn, scans, **kw)

    monkeypatch.setattr(batch_write, "write_all", spied)
    return moved


def test_a_plain_batch_moves_its_balances_in_its_write_as_the_per_scan_way(
    databases: Any, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    moved = _spy(monkeypatch)
    results = []
    for way in ("set-based", "per-scan"):
        if way == "per-scan":
            monkeypatch.setattr(offline_sets, "process", lambda batch, sent: None)
        engine = databases.engine()
        sid, codes = _world(engine, books=4)
        assert _send(engine, "desk", _batch("desk", codes, sid), sid) == ["accepted"] * 8
        balances, postings = _ledger(engine)
        assert balances == postings
        results.append(balances)
    # PostgreSQL: one set-based write, which moved the balances itself
    assert moved == ([True] if backend == "postgresql" else [])
    assert results[0] == results[1]


def test_four_desks_sending_batches_at_once_move_parts_that_sum_to_the_postings(
    fresh_engine: Any, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    if backend != "postgresql":
        pytest.skip("SQLite has one writer and no set-based batch")
    moved = _spy(monkeypatch)
    sid, codes = _world(fresh_engine, books=2 * DESKS)
    barrier = threading.Barrier(DESKS)
    results: list[str] = []
    lock = threading.Lock()

    def desk(k: int) -> None:
        sent = _batch(f"desk{k}", codes[k::DESKS], sid)
        barrier.wait()
        mine = _send(fresh_engine, f"desk{k}", sent, sid)
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=desk, args=(k,)) for k in range(DESKS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert Counter(results) == Counter({"accepted": len(codes)})
    assert moved == [True] * DESKS
    balances, postings = _ledger(fresh_engine)
    assert balances == postings
