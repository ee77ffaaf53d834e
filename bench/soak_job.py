"""Soak with long work: desks scanning while a large batch is issued by a job.

    scripts/soak --job-books 100000 [--seconds 180] [--clients 8] [--sqlite]

Same world, server and traffic as the plain soak (:mod:`bench.soak`), in two equal
windows: first the desks alone (the baseline), then the desks while a funder's key posts
one batch of ``--job-books`` books (``202`` + the job, run by a ``voucher worker`` beside
gunicorn, as ``voucher serve`` starts one). Reported: p50/p95 of scans and of every
request in each window, the job's progress as polled (distinct values seen), its state
and duration, whether the second window fell inside the job, and that it completed once
(one batch of that size; the same request resent answers the same job). No test depends
on these timings: the figures are for the reader (docs/jobs.md).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from typing import Any

from bench.common import ROOT, audit, drop_pg, fresh_pg, machine
from bench.http import _key, _redemptions, serve
from bench.soak import traffic

POLL = 0.5


def _funder_key(url: str, programme_id: int) -> str:
    from tests import factories as f
    from voucher.db.engine import make_engine, unit_of_work
    from voucher.services.access import api_keys
    from voucher.services.programmes.programmes import programme_funders

    engine = make_engine(url)
    with unit_of_work(engine) as s:
        funder_id = programme_funders(s, programme_id)[0][0]
        secret = api_keys.create_key(
            s, f.ACTOR, organisation_id=funder_id, role="funder", name="soak job"
        ).secret
    engine.dispose()
    return secret


def _batches_of(url: str, books: int) -> int:
    from sqlalchemy import func, select

    from voucher.db.engine import make_engine, unit_of_work
    from voucher.db.models import Batch

    engine = make_engine(url)
    with unit_of_work(engine) as s:
        n = s.scalar(select(func.count()).select_from(Batch).where(Batch.books_count == books))
    engine.dispose()
    return int(n or 0)


def _worker(url: str, instance: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DATABASE_URL": url, "VOUCHER_INSTANCE": instance}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.Popen(
        [sys.executable, "-m", "voucher", "worker"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )


class _Watch(threading.Thread):
    """Polls the job resource as a client would, until it is finished."""

    def __init__(self, port: int, location: str, secret: str) -> None:
        super().__init__(daemon=True)
        self.port, self.location = port, location
        self.headers = {"Authorization": f"Bearer {secret}"}
        self.seen: list[int] = []
        self.state, self.finished_at = "queued", 0.0

    def run(self) -> None:
        import http.client
        import json

        while True:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            try:
                conn.request("GET", self.location, headers=self.headers)
                body = json.loads(conn.getresponse().read())
            except OSError:
                time.sleep(POLL)
                continue
            finally:
                conn.close()
            self.state = body.get("state", "?")
            done = int(body.get("progress", {}).get("done", 0))
            if not self.seen or self.seen[-1] != done:
                self.seen.append(done)
            if self.state in ("done", "failed"):
                self.finished_at = time.perf_counter()
                return
            time.sleep(POLL)


def _post_batch(port: int, secret: str, order: dict[str, int]) -> tuple[int, str, int]:
    import http.client
    import json

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
    headers = {
        "Authorization": f"Bearer {secret}",
        "Content-Type": "application/json",
        "Idempotency-Key": "soak-large-batch",
    }
    try:
        conn.request("POST", "/api/v1/batches", body=json.dumps(order), headers=headers)
        answer = conn.getresponse()
        body = json.loads(answer.read())
        return answer.status, answer.getheader("Location") or "", int(body.get("id") or 0)
    finally:
        conn.close()


def run(
    seconds: float, clients: int, workers: int, job_books: int, *, sqlite: bool = False
) -> dict[str, Any]:
    """``sqlite``: the embedded default (a database file in the instance folder, huey's
    SQLite queue beside it) instead of PostgreSQL at ``BENCH_POSTGRES_URL``."""
    from bench.world import build

    server = worker = None
    instance = tempfile.mkdtemp(prefix="bench-soak-job-")
    if sqlite:
        db_name, url = "", f"sqlite:///{instance}/soak.sqlite3"
    else:
        db_name, url = fresh_pg("soakjob")
    try:
        books = 2 * max(50, int(seconds * clients * 60 * 1.3) // 10)
        structure_id, codes, programme_id, prescriber_id = build(url, books)
        secrets = [_key(url, structure_id) for _ in range(clients)]
        funder = _funder_key(url, programme_id)
        server, port = serve(url, workers, instance)
        half = len(codes) // 2
        alone = traffic(port, secrets, codes[:half], seconds, clients)
        worker = _worker(url, instance)
        order = {"programme_id": programme_id, "prescriber_id": prescriber_id, "books": job_books}
        began = time.perf_counter()
        status, location, job_id = _post_batch(port, funder, order)
        accepted_in = time.perf_counter() - began
        watch = _Watch(port, location, funder)
        watch.start()
        during = traffic(port, secrets, codes[half:], seconds, clients, tag="soakjob")
        window_end = time.perf_counter()
        watch.join(timeout=3600)
        resent = _post_batch(port, funder, order)
        worker.terminate()
        worker.wait(timeout=60)
        worker = None
        server.terminate()
        server.wait(timeout=30)
        server = None
        return {
            "job_books": job_books,
            "post_status": status,
            "post_answered_s": accepted_in,
            "job_state": watch.state,
            "job_seconds": (watch.finished_at or time.perf_counter()) - began,
            "job_outlasted_window": watch.finished_at > window_end,
            "progress_seen": watch.seen,
            "resend_same_job": resent[2] == job_id and resent[0] == 202,
            "batches_of_that_size": _batches_of(url, job_books),
            "alone": _summary(alone),
            "during_job": _summary(during),
            "errors": alone["errors"] + during["errors"],
            "error_samples": (alone["error_samples"] + during["error_samples"])[:10],
            "stored_redemptions": _redemptions(url),
            "accepted_codes": alone["accepted_codes"] + during["accepted_codes"],
            "audit_ok": audit(url),
            "database": "sqlite" if sqlite else "postgresql",
            "clients": clients,
            "workers": workers,
            "seconds_per_window": seconds,
            "machine": machine(),
            "at": datetime.now(UTC).isoformat(),
        }
    finally:
        for proc in (worker, server):
            if proc is not None:
                proc.kill()
        if db_name:
            drop_pg(db_name)
        shutil.rmtree(instance, ignore_errors=True)


def _summary(report: dict[str, Any]) -> dict[str, Any]:
    rows = report["by_kind"]
    return {
        "requests": report["requests"],
        "per_second": report["per_second"],
        "scan_p50_ms": rows["scan"]["p50_ms"],
        "scan_p95_ms": rows["scan"]["p95_ms"],
        "all_p95_ms": rows["all"]["p95_ms"],
        "errors": report["errors"],
    }


def verdict(report: dict[str, Any]) -> bool:
    return (
        report["post_status"] == 202
        and report["job_state"] == "done"
        and report["resend_same_job"]
        and report["batches_of_that_size"] == 1
        and report["errors"] == 0
        and report["audit_ok"]
    )
