"""Where a single redemption spends its time (the profile behind B1 / B6 in
docs/performance.md).

    .venv/bin/python -m bench.profile_redeem [--db postgresql|sqlite] [--scans 1000] [--pyinstrument]
    .venv/bin/python -m bench.profile_redeem --against "DROP INDEX ...; CREATE INDEX ..." [--scans 1400]

One client, one fresh database built like B1's (books handed out); after a warm-up, every
SQL statement of ``redemption.redeem`` is timed from the client side (send to answer) and
counted, and the process CPU time is read: the difference between wall time and database
waits is the Python work per scan; on PostgreSQL the backend's CPU per scan is read too
(:mod:`bench.cpu`). With ``--pyinstrument`` the call tree is printed too.

``--against SQL`` (PostgreSQL) compares a schema change with the schema as migrated, on a
loaded machine too: two databases built alike, the second with ``SQL`` run after the
migrations and before its world is built; one connection each, the scans alternate A, B,
A, B, and each side's backend CPU is read from ``/proc/<pid>/schedstat`` (nanoseconds)
around each scan, its client CPU from ``time.thread_time``. Both sides see the same load
at the same moments: the median of the per-chunk ratios B / A is the figure to read (the
same schema on both sides gives 0.96-1.05 per chunk, 1.00 in the median).
"""

from __future__ import annotations

import argparse
import collections
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import event, text

from bench.common import drop_pg, fresh_pg
from bench.cpu import ServerCPU
from bench.world import build
from voucher.db.engine import make_engine, unit_of_work
from voucher.db.migrate import upgrade
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


CHUNK = 200


def _side(url: str, books: int, ddl: list[str]) -> tuple[Any, int, list[str], int]:
    """A world at ``url`` with ``ddl`` run before it is built; (engine, place,
    codes, backend pid) for one connection."""
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in ddl:
            conn.execute(statement.encode())
    structure_id, codes, _p, _pr = build(url, books)
    engine = make_engine(url, pool_size=1)
    with engine.connect() as c:
        pid = int(c.execute(text("SELECT pg_backend_pid()")).scalar_one())
    return engine, structure_id, codes, pid


def _cpu_ns(pid: int) -> int:
    return int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])


def against(ddl: list[str], scans: int) -> None:
    """Scans alternated on the schema as migrated (A) and with ``ddl`` (B)."""
    names: list[str] = []
    try:
        sides = []
        for extra in ([], ddl):
            name, url = fresh_pg("against")
            names.append(name)
            sides.append(_side(url, (scans + 100) // 10 + 2, extra))
        actor = Actor(label="profile", user_id=1)

        def one(side: tuple[Any, int, list[str], int], code: str) -> None:
            with unit_of_work(side[0]) as s:
                scan = redeem.Scan(code=code, structure_id=side[1], scan_id=code[-12:])
                redeem.redeem(s, actor, scan)

        for i in range(50):
            for side in sides:
                one(side, side[2][i])
        chunks: list[list[tuple[float, float]]] = [[], []]
        for k in range(50, 50 + scans, CHUNK):
            spent = [[0, 0], [0, 0]]
            for i in range(k, k + CHUNK):
                for j, side in enumerate(sides):
                    client, server = time.thread_time_ns(), _cpu_ns(side[3])
                    one(side, side[2][i])
                    spent[j][0] += time.thread_time_ns() - client
                    spent[j][1] += _cpu_ns(side[3]) - server
            for j in (0, 1):
                chunks[j].append((spent[j][0] / CHUNK / 1e6, spent[j][1] / CHUNK / 1e6))
            (ac, a), (bc, b) = chunks[0][-1], chunks[1][-1]
            print(
                f"  scans {k}-{k + CHUNK}: A client {ac:.3f} server {a:.3f} ms | "
                f"B client {bc:.3f} server {b:.3f} ms | B/A server {b / a:.3f}"
            )
        for j in (0, 1):
            client = statistics.median(c for c, _s in chunks[j])
            server = statistics.median(s for _c, s in chunks[j])
            print(f"{'AB'[j]}: median CPU per scan, client {client:.3f} ms, server {server:.3f} ms")
        pairs = list(zip(chunks[0], chunks[1], strict=True))
        print(
            "B / A, median of the chunks: server "
            f"{statistics.median(b[1] / a[1] for a, b in pairs):.3f}, client "
            f"{statistics.median(b[0] / a[0] for a, b in pairs):.3f}"
        )
        for side in sides:
            side[0].dispose()
    finally:
        for name in names:
            drop_pg(name)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="scripts/bench profile_redeem",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--scans", type=int, default=1000)
    parser.add_argument("--pyinstrument", action="store_true")
    parser.add_argument("--against", metavar="SQL", help="statements (;-separated) for side B")
    args = parser.parse_args(argv)
    if args.against:
        against([q for q in args.against.split(";") if q.strip()], args.scans)
        return
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
