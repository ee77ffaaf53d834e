"""Double spend under real concurrency, on PostgreSQL and SQLite: threads and processes
scan the same voucher at once; exactly one wins, the others get `already_redeemed`."""

from __future__ import annotations

import multiprocessing
import random
import threading
from collections import Counter

from sqlalchemy import select

from tests import factories as f
from voucher.db.engine import make_engine, unit_of_work
from voucher.db.models import Book, Redemption, Voucher
from voucher.domain.errors import DomainError
from voucher.services.context import Actor
from voucher.services.finance import ledger_audit
from voucher.services.redemption import redeem


def _setup(engine, books=1):
    with unit_of_work(engine) as s:
        w = f.world(s, books=books)
        codes = list(s.scalars(select(Voucher.code).join(Book).where(Book.batch_id == w.batch.id)))
        return w.structure.id, codes


def _attempt(engine, structure_id: int, code: str, who: int) -> str:
    try:
        with unit_of_work(engine) as s:
            res = redeem.redeem(
                s,
                Actor(label=f"t{who}", user_id=who),
                redeem.Scan(code=code, structure_id=structure_id),
            )
            return res.status
    except DomainError as exc:
        return exc.code


def _pooled_for(engine, threads: int):
    """An engine on the same database whose pool holds a connection for every thread: a
    thread never waits for one (the pool's 30 s timeout would make the test depend on the
    machine's speed: on a loaded machine the last threads timed out before the others
    committed)."""
    return make_engine(
        engine.url.render_as_string(hide_password=False), pool_size=threads, max_overflow=0
    )


def _run_threads(n, target):
    barrier = threading.Barrier(n)
    results: list[str] = []
    lock = threading.Lock()

    def run(i):
        barrier.wait()
        out = target(i)
        with lock:
            results.extend(out if isinstance(out, list) else [out])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    return results


def test_32_threads_scanning_one_voucher_exactly_one_wins(fresh_engine):
    structure_id, codes = _setup(fresh_engine)
    engine = _pooled_for(fresh_engine, 32)
    try:
        results = _run_threads(32, lambda i: _attempt(engine, structure_id, codes[0], i))
    finally:
        engine.dispose()
    assert Counter(results) == Counter({"accepted": 1, "already_redeemed": 31})
    with unit_of_work(fresh_engine) as s:
        assert len(s.scalars(select(Redemption)).all()) == 1
        assert ledger_audit.verify(s).ok


def _process_worker(url: str, structure_id: int, code: str, who: int, start, out) -> None:
    engine = make_engine(url)
    start.wait()
    out.put(_attempt(engine, structure_id, code, who))
    engine.dispose()


def test_several_processes_scanning_one_voucher_exactly_one_wins(fresh_engine):
    structure_id, codes = _setup(fresh_engine)
    url = fresh_engine.url.render_as_string(hide_password=False)
    ctx = multiprocessing.get_context("spawn")
    start, out = ctx.Event(), ctx.Queue()
    procs = [
        ctx.Process(target=_process_worker, args=(url, structure_id, codes[0], i, start, out))
        for i in range(6)
    ]
    for p in procs:
        p.start()
    start.set()
    results = [out.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    assert Counter(results) == Counter({"accepted": 1, "already_redeemed": 5})


def test_many_threads_many_vouchers_no_double_redemption_and_balanced(fresh_engine):
    structure_id, codes = _setup(fresh_engine, books=10)
    engine = _pooled_for(fresh_engine, 16)

    def worker(i):
        mine = codes[:]
        random.Random(i).shuffle(mine)
        return [_attempt(engine, structure_id, c, i) for c in mine[:60]]

    try:
        results = _run_threads(16, worker)
    finally:
        engine.dispose()
    tally = Counter(results)
    with unit_of_work(fresh_engine) as s:
        live = s.scalars(select(Redemption.voucher_id).where(Redemption.status == "accepted")).all()
        assert len(live) == len(set(live)) == tally["accepted"]
        assert set(tally) <= {"accepted", "already_redeemed"}
        assert ledger_audit.verify(s).ok
