"""B1 (single scans, 8 concurrent clients) and B1b (offline batches of scans) against
pgbench's TPC-B-like script on the same PostgreSQL server."""

from __future__ import annotations

import multiprocessing
import os
import re
import subprocess
import time
from typing import Any

from bench import cpu
from bench.common import Result, alternate, audit, drop_pg, fresh_pg
from bench.world import build, more_structures

CLIENTS = 8
#: measure the write that carries the COMMIT (see :func:`_singles`)
COMMIT_WITH_WRITE = os.environ.get("BENCH_COMMIT_WITH_WRITE") == "1"


def pgbench_tps(
    url_name: str, seconds: int, clients: int = CLIENTS, cpu_log: list[Any] | None = None
) -> float:
    """pgbench's TPC-B-like tps; with ``cpu_log``, its CPU per transaction is appended
    (pgbench itself + the database's backends, :mod:`bench.cpu`)."""
    before = cpu.children_cpu()
    with cpu.ServerCPU(url_name) as server:
        out = subprocess.run(
            [
                "pgbench",
                "-n",
                "-c",
                str(clients),
                "-j",
                "2",
                "-T",
                str(seconds),
                "-h",
                "127.0.0.1",
                "-U",
                "postgres",
                url_name,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    match = re.search(r"tps = ([0-9.]+) \(without initial connection time\)", out)
    done = re.search(r"number of transactions actually processed: ([0-9]+)", out)
    if not match or not done:
        raise RuntimeError(out)
    if cpu_log is not None:
        cpu_log.append(cpu.per_op_ms(cpu.children_cpu() - before, server.seconds, int(done[1])))
    return float(match.group(1))


def _client(
    url: str, structure_id: int, codes: list[str], batch: int, ready: Any, start: Any, out: Any
) -> None:
    from voucher.db.engine import make_engine, unit_of_work
    from voucher.services.context import Actor
    from voucher.services.redemption import redeem

    engine = make_engine(url, pool_size=2)
    actor = Actor(label="bench", user_id=1)
    done = 0
    warm, codes = codes[:2], codes[2:]  # compile the statements and connect before the clock starts
    if batch > 1:  # the batch service's statements too
        _batch(engine, structure_id, warm)
    for code in warm[: 2 if batch == 1 else 0]:
        with unit_of_work(engine) as s:
            redeem.redeem(
                s, actor, redeem.Scan(code=code, structure_id=structure_id, scan_id=code[-12:])
            )
    ready.put(1)
    start.wait()
    began, cpu_began = time.perf_counter(), time.process_time()
    if batch == 1:
        done, codes = _singles(engine, structure_id, codes), []
    for i in range(0, len(codes), batch):
        done += _batch(engine, structure_id, codes[i : i + batch])
    out.put((done, time.perf_counter() - began, time.process_time() - cpu_began))
    engine.dispose()


def _singles(engine: Any, structure_id: int, codes: list[str]) -> int:
    """B1: one scan per transaction, as a single scan is written (balances in its one write
    statement); how many were accepted. ``BENCH_COMMIT_WITH_WRITE=1`` lets the write carry
    the COMMIT (:func:`voucher.db.engine.unit_of_work`'s ``last_write_commits``), which no
    entry point of the application uses yet: off by default, so B1 measures what runs."""
    from voucher.db.engine import unit_of_work
    from voucher.domain.errors import DomainError
    from voucher.services.context import Actor
    from voucher.services.redemption import redeem

    actor, done = Actor(label="bench", user_id=1), 0
    for code in codes:
        try:
            with unit_of_work(engine, last_write_commits=COMMIT_WITH_WRITE) as s:
                redeem.redeem(
                    s, actor, redeem.Scan(code=code, structure_id=structure_id, scan_id=code[-12:])
                )
            done += 1
        except DomainError:
            pass
    return done


def _threaded(
    url: str, jobs: list[tuple[int, list[str]]], ready: Any, start: Any, out: Any
) -> None:
    """Several B1 clients in one process, one thread and one connection each (pgbench's
    ``-j`` shape: its 8 clients run on 2 threads)."""
    import threading

    from voucher.db.engine import make_engine

    engine = make_engine(url, pool_size=len(jobs))
    for structure_id, codes in jobs:  # connect and compile before the clock starts
        _singles(engine, structure_id, codes[:2])
    done = [0] * len(jobs)

    def client(k: int) -> None:
        done[k] = _singles(engine, jobs[k][0], jobs[k][1][2:])

    threads = [threading.Thread(target=client, args=(k,)) for k in range(len(jobs))]
    ready.put(1)
    start.wait()
    began, cpu_began = time.perf_counter(), time.process_time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    out.put((sum(done), time.perf_counter() - began, time.process_time() - cpu_began))
    engine.dispose()


def _batch(engine: Any, structure_id: int, codes: list[str]) -> int:
    """One offline batch through the service ``POST /api/v1/redemptions/batch`` calls (the
    same answers stored, rendered as the API renders them); the scans accepted or held."""
    from voucher.db.engine import unit_of_work
    from voucher.domain.calendar import utcnow
    from voucher.domain.idempotency import fingerprint
    from voucher.services.context import Actor
    from voucher.services.redemption import offline, redeem
    from voucher.web.api import scan_views

    actor = Actor(label="bench", user_id=1, organisation_id=structure_id)
    at = utcnow()
    sent = [
        offline.Sent(
            redeem.Scan(code=code, structure_id=structure_id, scan_id=code[-12:], scanned_at=at),
            fingerprint({"code": code, "scanned_at": at.isoformat()}),
        )
        for code in codes
    ]
    with unit_of_work(engine) as s:
        answers = offline.process(s, actor, sent, scan_views.stored)
    return sum(1 for a in answers if a.unstored is None and a.status < 400)


def redeem_rate(
    url: str,
    structures: list[int],
    codes: list[str],
    batch: int,
    clients: int = CLIENTS,
    cpu_log: list[Any] | None = None,
    processes: int = 0,
) -> float:
    """Redemptions/s of ``clients`` clients, each a process, or (single scans, with
    ``processes``) threads of that many processes; with ``cpu_log``, the CPU per redemption
    (the clients' own + the database's backends, :mod:`bench.cpu`) is appended."""
    ctx = multiprocessing.get_context("spawn")
    ready, start, out = ctx.Queue(), ctx.Event(), ctx.Queue()
    share = len(codes) // clients
    mine = [
        (structures[i % len(structures)], codes[i * share : (i + 1) * share])
        for i in range(clients)
    ]
    if processes and batch == 1:
        procs = [
            ctx.Process(target=_threaded, args=(url, mine[p::processes], ready, start, out))
            for p in range(processes)
        ]
    else:
        procs = [
            ctx.Process(target=_client, args=(url, sid, part, batch, ready, start, out))
            for sid, part in mine
        ]
    for p in procs:
        p.start()
    for _ in procs:  # every client imported, connected and warmed up: the clock starts for all
        ready.get(timeout=300)
    with cpu.ServerCPU(url.rsplit("/", 1)[1]) as server:
        began = time.perf_counter()
        start.set()
        results = [out.get(timeout=600) for _ in procs]
        elapsed = time.perf_counter() - began
    for p in procs:
        p.join()
    done = sum(r[0] for r in results)
    if cpu_log is not None:
        cpu_log.append(cpu.per_op_ms(sum(r[2] for r in results), server.seconds, done))
    return done / elapsed


def run(scale: dict[str, Any], rounds: int) -> list[Result]:
    per_round = scale["redeem_per_round"]
    batch_size = scale["batch_size"]
    # B1b: every client sends whole batches of ``batch_size`` (BENCH.md: 50-1000 scans per
    # call), several per round on its one connection as a server's worker would, after
    # its two warm-up scans; a round is then long enough to time the scans rather than
    # eight processes' start and one commit each
    batch_round = CLIENTS * (scale["batches_per_client"] * batch_size + 2)
    books = (per_round + batch_round) * rounds // 10 + CLIENTS
    db_name, url = fresh_pg("redeem")
    pgb_name, _ = fresh_pg("pgbench")
    try:
        subprocess.run(
            ["pgbench", "-i", "-q", "-s", "1", "-h", "127.0.0.1", "-U", "postgres", pgb_name],
            check=True,
            capture_output=True,
        )
        structure_id, codes, _p, _pr = build(url, books)
        # eight desks, as eight places would be (one shared place serialises on its own rows:
        # the day's volume counter and its payable account)
        structures = [structure_id, *more_structures(url, CLIENTS - 1)]
        chunks = [codes[i * per_round : (i + 1) * per_round] for i in range(rounds)]
        after = rounds * per_round
        chunks += [
            codes[after + i * batch_round : after + (i + 1) * batch_round] for i in range(rounds)
        ]
        seconds = scale["pgbench_seconds"]
        c1: tuple[list[Any], list[Any]] = ([], [])
        c2: tuple[list[Any], list[Any]] = ([], [])
        base, single, log1 = alternate(
            rounds,
            lambda i: pgbench_tps(pgb_name, seconds, cpu_log=c1[0]),
            lambda i: redeem_rate(url, structures, chunks[i], 1, cpu_log=c1[1], processes=2),
        )
        base_b, batched, log2 = alternate(
            rounds,
            lambda i: pgbench_tps(pgb_name, seconds, cpu_log=c2[0]),
            lambda i: redeem_rate(url, structures, chunks[rounds + i], batch_size, cpu_log=c2[1]),
        )
        ok = audit(url)
        return [
            Result(
                "B1",
                "redeem-db: single scans through the service",
                "pgbench TPC-B tps",
                "redemptions/s",
                base,
                single,
                "per s",
                single / base,
                1.0,
                f"{per_round} scans/round",
                CLIENTS,
                ok,
                rounds=log1,
                cpu=cpu.summary(*c1),
            ),
            Result(
                "B1b",
                f"redeem-batch: {batch_size} scans per transaction",
                "pgbench TPC-B tps",
                "vouchers/s",
                base_b,
                batched,
                "per s",
                batched / base_b,
                3.0,
                f"{batch_round - 2 * CLIENTS} scans/round",
                CLIENTS,
                ok,
                rounds=log2,
                cpu=cpu.summary(*c2),
            ),
        ]
    finally:
        drop_pg(db_name)
        drop_pg(pgb_name)
