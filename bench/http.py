"""B2 redeem-http: ``POST /api/v1/redemptions`` through the real HTTP server (gunicorn with
production's settings, ``voucher.web.gunicorn_conf``, 8 connections) against the bare
``GET /api/v1/ping`` of the same app, same server, same settings. Ratio = redemptions/s ÷
ping req/s (target ≥ 0.5).

Each client is its own process (no GIL sharing) opening one connection per request
(gunicorn's sync workers close it after each answer); every redemption carries its own
``Idempotency-Key`` and a fresh code. Rate limits are counted in Redis when one answers
(``BENCH_REDIS_URL``, default ``redis://127.0.0.1:6379/0``, a key prefix of its own per
run), as production does with several workers, else in ``memory://``. The CPU of the
gunicorn workers and of the database's backends is read per request (:mod:`bench.cpu`).
The run ends with ``voucher audit`` and a check that the database holds exactly as many
redemptions as 201 answers were counted.

Alone (one line printed, JSON written), as in ``scripts/bench --only B2``:

    scripts/bench http [--seconds 3] [--rounds 3] [--workers N] [--threads T]
                       [--instances 2] [--out bench-results/b2.json]

``--instances 2`` starts two servers on two ports (each with ``--workers``), sharing the
database and the Redis, and splits the clients between them.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from bench.common import ROOT, Result, alternate, audit, drop_pg, fresh_pg, machine
from bench.cpu import TICK, ServerCPU, _ticks, summary

CLIENTS = 8
HIGH_LIMIT = "100000000 per minute"
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


def _request(port: int, method: str, path: str, body: bytes | None, headers: dict[str, str]) -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


def _client(
    port: int,
    kind: str,
    secret: str,
    codes: list[str],
    seconds: float,
    ready: Any,
    start: Any,
    out: Any,
) -> None:
    auth = {
        "Authorization": f"Bearer {secret}",
        "Content-Type": "application/json",
        "Connection": "close",
    }
    done, bad, i = 0, 0, 0
    ready.put(1)
    start.wait()
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        if kind == "ping":
            status = _request(port, "GET", "/api/v1/ping", None, {"Connection": "close"})
            ok = status == 200
        else:
            if i >= len(codes):
                break
            code = codes[i]
            i += 1
            body = json.dumps({"code": code, "theme": "email"}).encode()
            status = _request(
                port, "POST", "/api/v1/redemptions", body, {**auth, "Idempotency-Key": f"b2-{code}"}
            )
            ok = status == 201
        done += ok
        bad += not ok
    out.put((done, bad, i))


def rate(
    ports: list[int], kind: str, secret: str, codes: list[str], seconds: float
) -> tuple[float, int, int]:
    """(requests/s, successes, failures) over ``seconds`` with CLIENTS processes, split
    evenly between the servers' ``ports``."""
    ctx = multiprocessing.get_context("spawn")
    ready, start, out = ctx.Queue(), ctx.Event(), ctx.Queue()
    share = len(codes) // CLIENTS if codes else 0
    procs = [
        ctx.Process(
            target=_client,
            args=(
                ports[n % len(ports)],
                kind,
                secret,
                codes[n * share : (n + 1) * share],
                seconds,
                ready,
                start,
                out,
            ),
        )
        for n in range(CLIENTS)
    ]
    for p in procs:
        p.start()
    for _ in procs:  # every client imported and waiting: the clock starts for all at once
        ready.get(timeout=120)
    began = time.perf_counter()
    start.set()
    results = [out.get(timeout=seconds + 120) for _ in procs]
    elapsed = time.perf_counter() - began
    for p in procs:
        p.join()
    done = sum(r[0] for r in results)
    return done / elapsed, done, sum(r[1] for r in results)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def storage() -> str:
    """Redis when one answers (as production runs several workers), else ``memory://``."""
    try:
        import redis

        redis.Redis.from_url(REDIS, socket_connect_timeout=1).ping()
    except Exception:  # no server, or no client library: per-worker counts
        return "memory://"
    return REDIS


def serve(
    url: str,
    workers: int | None = None,
    instance: str | None = None,
    *,
    threads: int = 1,
    limits_storage: str = "memory://",
    prefix: str = "bench",
) -> tuple[subprocess.Popen[bytes], int]:
    """gunicorn with production's settings (``-c python:voucher.web.gunicorn_conf``; its
    access log goes to /dev/null), ``workers`` (production's default if None) × ``threads``
    (``gthread`` above 1)."""
    port = _free_port()
    instance = instance or tempfile.mkdtemp(prefix="bench-http-")
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "VOUCHER_INSTANCE": instance,
        "PYTHONPATH": str(ROOT),
        "VOUCHER_SERVE_WORKER": "0",
        "RATELIMIT_STORAGE_URI": limits_storage,
        "RATELIMIT_KEY_PREFIX": prefix,
        "VOUCHER_API_REDEEM_LIMIT": HIGH_LIMIT,
        "VOUCHER_API_ADDRESS_LIMIT": HIGH_LIMIT,
        "VOUCHER_API_LOOKUP_LIMIT": HIGH_LIMIT,
        "VOUCHER_API_BATCH_LIMIT": HIGH_LIMIT,
    }
    command = [sys.executable, "-m", "gunicorn", "-c", "python:voucher.web.gunicorn_conf"]
    if workers is not None:
        command += ["--workers", str(workers)]
    if threads > 1:
        command += ["--worker-class", "gthread", "--threads", str(threads)]
    command += ["--bind", f"127.0.0.1:{port}", "--log-level", "warning", "voucher.web.wsgi:app"]
    server = subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL)
    for _ in range(300):
        try:
            if _request(port, "GET", "/api/v1/ping", None, {}) == 200:
                return server, port
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise RuntimeError("gunicorn did not start")


def _workers_of(masters: list[int]) -> list[int]:
    """The gunicorn workers (children of the masters), from /proc."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            parent = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        if parent in masters:
            found.append(int(entry.name))
    return found


def app_seconds(masters: list[int]) -> float:
    """CPU seconds spent so far by the masters and their workers."""
    pids = masters + _workers_of(masters)
    return sum(_ticks(pid) or 0 for pid in pids) * TICK


def _key(url: str, structure_id: int) -> str:
    from tests import factories as f
    from voucher.db.engine import make_engine, unit_of_work
    from voucher.services.access import api_keys

    engine = make_engine(url)
    with unit_of_work(engine) as s:
        secret = api_keys.create_key(
            s, f.ACTOR, organisation_id=structure_id, role="reception", name="banc B2"
        ).secret
    engine.dispose()
    return secret


def _redemptions(url: str) -> int:
    from sqlalchemy import func, select

    from voucher.db.engine import make_engine, unit_of_work
    from voucher.db.models import Redemption

    engine = make_engine(url)
    with unit_of_work(engine) as s:
        n = int(s.scalar(select(func.count()).select_from(Redemption)) or 0)
    engine.dispose()
    return n


def run(
    scale: dict[str, Any],
    rounds: int,
    *,
    workers: int | None = None,
    threads: int = 1,
    instances: int = 1,
) -> list[Result]:
    from bench.world import build

    seconds = float(scale.get("http_seconds", 3))
    per_round = int(scale.get("http_codes_per_round", 2500 * seconds))
    limits_storage = storage()
    if instances > 1 and limits_storage == "memory://":
        raise RuntimeError(f"--instances {instances} needs a Redis to share the limits ({REDIS})")
    prefix = f"bench-b2-{uuid.uuid4().hex[:8]}"
    db_name, url = fresh_pg("http")
    servers: list[subprocess.Popen[bytes]] = []
    try:
        structure_id, codes, _p, _pr = build(url, (per_round * rounds) // 10 + CLIENTS)
        secret = _key(url, structure_id)
        ports = []
        for _ in range(instances):
            server, port = serve(
                url, workers, threads=threads, limits_storage=limits_storage, prefix=prefix
            )
            servers.append(server)
            ports.append(port)
        masters = [server.pid for server in servers]
        chunks = [codes[i * per_round : (i + 1) * per_round] for i in range(rounds)]
        accepted, failures = [0], [0]
        cpu: dict[str, list[dict[str, float]]] = {"ping": [], "redeem": []}

        def measured(kind: str, codes_: list[str]) -> tuple[float, int, int]:
            app = app_seconds(masters)
            with ServerCPU(db_name) as backends:
                found = rate(ports, kind, secret, codes_, seconds)
            app = app_seconds(masters) - app
            n = max(found[1], 1)
            cpu[kind].append(
                {
                    "app_ms": round(app / n * 1e3, 3),
                    "db_ms": round(backends.seconds / n * 1e3, 3),
                    "total_ms": round((app + backends.seconds) / n * 1e3, 3),
                }
            )
            return found

        def candidate(i: int) -> float:
            per_s, done, bad = measured("redeem", chunks[i])
            accepted[0] += done
            failures[0] += bad
            return per_s

        base, cand, log = alternate(rounds, lambda i: measured("ping", [])[0], candidate)
        for server in servers:
            server.terminate()
            server.wait(timeout=30)
        servers = []
        consistent = _redemptions(url) == accepted[0] and failures[0] == 0
        ok = audit(url) and consistent
        shape = f"{workers or 'default'} workers" + (f" × {threads} threads" if threads > 1 else "")
        note = (
            f"gunicorn {'gthread' if threads > 1 else 'sync'} (production's gunicorn_conf), "
            f"{instances} instance(s) of {shape}, limits in {limits_storage.split(':')[0]}; "
            f"{accepted[0]} redemptions, {failures[0]} non-201 answers; one connection per request"
        )
        return [
            Result(
                "B2",
                "redeem-http: POST /api/v1/redemptions through gunicorn",
                "GET /api/v1/ping req/s",
                "redemptions/s",
                base,
                cand,
                "per s",
                cand / base,
                0.5,
                f"{seconds:g} s/round",
                CLIENTS,
                ok,
                notes=note,
                rounds=log,
                cpu=summary(cpu["ping"], cpu["redeem"]),
            )
        ]
    finally:
        for server in servers:
            server.kill()
        drop_pg(db_name)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/bench http",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=None, help="per instance")
    parser.add_argument("--threads", type=int, default=1, help="gthread above 1")
    parser.add_argument("--instances", type=int, default=1)
    parser.add_argument("--out", default="bench-results/b2.json")
    args = parser.parse_args(argv)
    result = run(
        {"http_seconds": args.seconds},
        args.rounds,
        workers=args.workers,
        threads=args.threads,
        instances=args.instances,
    )[0]
    cpu = result.cpu
    print(
        f"B2 {result.candidate:,.1f} redemptions/s ÷ {result.baseline:,.1f} ping req/s = {result.ratio:.2f} "
        f"(target ≥ {result.target}; {result.clients} connections; audit {'ok' if result.audit_ok else 'BROKEN'}) "
        f"— {result.notes}; CPU ms per request (app + db): ping {cpu['baseline']}, "
        f"redemption {cpu['candidate']}"
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": machine(), "result": result.as_dict()}, indent=2))
    return 0 if result.audit_ok else 1


if __name__ == "__main__":
    sys.exit(main())
