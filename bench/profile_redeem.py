"""Where a single redemption spends its time (the profile behind B1 / B6 in
docs/performance.md).

    .venv/bin/python -m bench.profile_redeem [--db postgresql|sqlite] [--scans 1000] [--pyinstrument]

One client, one fresh database built like B1's (books handed out); after a warm-up, every
SQL statement of ``redemption.redeem`` is timed from the client side (send to answer) and
counted, and the process CPU time is read: the difference between wall time and database
waits is the Python work per scan; on PostgreSQL the backend's CPU per scan is read too
(:mod:`bench.cpu`). With ``--pyinstrument`` the call tree is printed too.
"""

from __future__ import annotations

import argparse
import collections
import tempfile
import time
from typing import Any

from sqlalchemy import event

from bench.common import drop_pg, fresh_pg
from bench.cpu import ServerCPU
from bench.world import build
from voucher.db.engine import make_engine, unit_of_work
from voucher.services.context import Actor
from voucher.services.redemption import redeem


def profile(url: str, scans: int, tree: bool) -> None:
    structure_id, codes, _p, _pr = build(url, (scans + 100) // 10 + 1)
    engine = make_engine(url)
    actor = Actor(label="profile", user_id=1)
    waits: dict[str, float] = collections.defaultdict(float)
    counts: collections.Counter[str] = collections.Counter()

    @event.listens_for(engine, "before_cursor_execute")
    def _before(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> None:
        conn.info["t0"] = time.perf_counter()

    @event.listens_for(engine, "after_cursor_execute")
    def _after(
        conn: Any, cursor: Any, statement: str, params: Any, context: Any, many: bool
    ) -> None:
        key = " ".join(statement.split()[:3])[:60]
        waits[key] += time.perf_counter() - conn.info["t0"]
        counts[key] += 1

    def go(batch: list[str]) -> None:
        for code in batch:
            with unit_of_work(engine) as s:
                redeem.redeem(
                    s,
                    actor,
                    redeem.Scan(code=code, structure_id=structure_id, scan_id=code[-12:]),
                )

    go(codes[:100])
    waits.clear()
    counts.clear()
    profiler = None
    if tree:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
    server = ServerCPU(url.rsplit("/", 1)[1]) if url.startswith("postgresql") else None
    if server is not None:
        server.__enter__()
    wall, cpu = time.perf_counter(), time.process_time()
    go(codes[100 : 100 + scans])
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if server is not None:
        server.__exit__(None, None, None)
    if profiler is not None:
        profiler.stop()
    db = sum(waits.values())
    print(
        f"{engine.dialect.name}: {scans / wall:.0f} scans/s on one client; per scan: wall {wall / scans * 1e3:.2f} ms, "
        f"statements {sum(counts.values()) / scans:.1f} (+ commit), waiting on them {db / scans * 1e3:.2f} ms, "
        f"client CPU {cpu / scans * 1e3:.2f} ms"
        + (f", server CPU {server.seconds / scans * 1e3:.2f} ms" if server is not None else "")
    )
    for key, spent in sorted(waits.items(), key=lambda kv: -kv[1]):
        print(f"  {spent / scans * 1e3:6.3f} ms  x{counts[key] / scans:.1f}  {key}")
    if profiler is not None:
        print(profiler.output_text(unicode=False, color=False))
    engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="scripts/bench profile_redeem",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--scans", type=int, default=1000)
    parser.add_argument("--pyinstrument", action="store_true")
    args = parser.parse_args(argv)
    if args.db == "sqlite":
        with tempfile.TemporaryDirectory() as tmp:
            profile(f"sqlite:///{tmp}/profile.sqlite3", args.scans, args.pyinstrument)
        return
    name, url = fresh_pg("profile")
    try:
        profile(url, args.scans, args.pyinstrument)
    finally:
        drop_pg(name)


if __name__ == "__main__":
    main()
