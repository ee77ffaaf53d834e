"""CPU time per operation, client + server: a figure that does not depend on the number of
cores (BENCH.md compares rates; two cores shared by nine processes hide where the time goes).

* **server**: the PostgreSQL backends of the benchmark's database, from ``/proc/<pid>/stat``
  (user + system ticks) of every backend ``pg_stat_activity`` lists for that database,
  sampled every 50 ms while the run lasts; a backend already there at the start counts
  from its first sample, one that connects later from zero (its whole life is the run's).
  The last ≤ 50 ms of a backend that exits before the final sample are not seen, on both
  sides alike. Other databases on the same server (other work) are not counted;
* **client**: the candidate's client processes report their own ``time.process_time()``
  over the timed loop; ``pgbench`` is a child process, read from ``getrusage(RUSAGE_CHILDREN)``.

``pg_stat_statements`` is not used: it needs ``shared_preload_libraries`` (a restart), and
the server under test runs with default settings.
"""

from __future__ import annotations

import os
import resource
import statistics
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg

from bench.common import PG_ADMIN

TICK = 1.0 / os.sysconf("SC_CLK_TCK")


def _ticks(pid: int) -> int | None:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15 of stat)


class ServerCPU:
    """CPU seconds spent by the backends of database ``name`` between start and stop."""

    def __init__(self, name: str, every: float = 0.05) -> None:
        self.name, self.every = name, every
        self.first: dict[int, int] = {}
        self.last: dict[int, int] = {}
        self._stop = threading.Event()
        self._conn = psycopg.connect(PG_ADMIN, autocommit=True)
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _pids(self) -> list[int]:
        rows = self._conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            (self.name,),
        ).fetchall()
        return [int(r[0]) for r in rows]

    def _sample(self, start: bool) -> None:
        for pid in self._pids():
            ticks = _ticks(pid)
            if ticks is None:
                continue
            self.first.setdefault(pid, ticks if start else 0)
            self.last[pid] = ticks

    def _run(self) -> None:
        while not self._stop.wait(self.every):
            self._sample(False)

    def __enter__(self) -> ServerCPU:
        self._sample(True)
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()
        self._sample(False)
        self._conn.close()

    @property
    def seconds(self) -> float:
        return sum(self.last[p] - self.first[p] for p in self.last) * TICK


def children_cpu() -> float:
    """CPU seconds of this process's finished children (pgbench)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def per_op_ms(client_s: float, server_s: float, ops: int) -> dict[str, float]:
    """Client, server and total CPU milliseconds per operation."""
    n = max(ops, 1)
    return {
        "client_ms": round(client_s / n * 1e3, 3),
        "server_ms": round(server_s / n * 1e3, 3),
        "total_ms": round((client_s + server_s) / n * 1e3, 3),
    }


def timed_cpu(db_name: str | None, fn: Callable[[], Any], log: list[dict[str, float]]) -> float:
    """Wall seconds of one ``fn()``; its CPU is appended to ``log``: this thread's (the
    client runs in it; the sampler's own thread is left out) and, when ``db_name`` names a
    PostgreSQL database, its backends'. A backend connected before the call (a pooled
    connection) is counted in full; the clock ticks every 10 ms, so read the mean of
    several rounds (``summary(..., mean=True)``), not one round."""
    server = ServerCPU(db_name) if db_name else None
    if server:
        server.__enter__()
    began, cpu_began = time.perf_counter(), time.thread_time()
    fn()
    wall, client = time.perf_counter() - began, time.thread_time() - cpu_began
    if server:
        server.__exit__(None, None, None)
    log.append(per_op_ms(client, server.seconds if server else 0.0, 1))
    return wall


def summary(
    baseline: list[dict[str, float]], candidate: list[dict[str, float]], *, mean: bool = False
) -> dict[str, Any]:
    """Median (or mean) CPU per operation of each side, and candidate total ÷ baseline
    total (the core-independent ratio: lower is better, BENCH.md's issue asks ≤ 3)."""

    def median(log: list[dict[str, float]]) -> dict[str, float]:
        if not log:
            return {}
        middle = statistics.mean if mean else statistics.median
        return {k: round(middle(r[k] for r in log), 3) for k in log[0]}

    base, cand = median(baseline), median(candidate)
    ratio = cand["total_ms"] / base["total_ms"] if base.get("total_ms") and cand else None
    return {"baseline": base, "candidate": cand, "cpu_ratio": ratio}
