"""Shared benchmark plumbing: fresh databases, alternating rounds, machine facts, the
final ledger audit."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psycopg

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PG_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@dataclass
class Result:
    name: str
    what: str
    baseline_label: str
    candidate_label: str
    baseline: float
    candidate: float
    unit: str
    ratio: float
    target: float
    scale: str
    clients: int
    audit_ok: bool
    notes: str = ""
    rounds: list[dict[str, float]] = field(default_factory=list)
    #: CPU per operation, client + server (:mod:`bench.cpu`), where measured
    cpu: dict[str, Any] = field(default_factory=dict)

    @property
    def meets(self) -> bool:
        return self.ratio >= self.target

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "meets_target": self.meets}


def pg_url(name: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def admin(sql: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)


def fresh_pg(prefix: str) -> tuple[str, str]:
    name = f"bench_{prefix}_{uuid.uuid4().hex[:6]}"
    admin(f"CREATE DATABASE {name}")
    return name, pg_url(name)


def drop_pg(name: str) -> None:
    admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def alternate(
    rounds: int, baseline: Callable[[int], float], candidate: Callable[[int], float]
) -> tuple[float, float, list[dict[str, float]]]:
    """Run A, B, A, B... and return the medians (BENCH.md: ratios in one run)."""
    a, b, log = [], [], []
    for i in range(rounds):
        a.append(baseline(i))
        b.append(candidate(i))
        log.append({"baseline": a[-1], "candidate": b[-1]})
    return statistics.median(a), statistics.median(b), log


def timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def machine() -> dict[str, Any]:
    facts: dict[str, Any] = {
        "nproc": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }
    try:
        with psycopg.connect(PG_ADMIN) as conn:
            facts["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
            for setting in (
                "shared_buffers",
                "synchronous_commit",
                "fsync",
                "max_connections",
                "wal_level",
            ):
                facts[f"pg.{setting}"] = conn.execute(f"SHOW {setting}").fetchone()[0]
    except psycopg.Error as exc:
        facts["postgresql"] = f"unreachable ({exc.__class__.__name__})"
    return facts


def audit(url: str) -> bool:
    """`voucher audit` on the benchmark database: a fast run that breaks an invariant fails."""
    env = {**os.environ, "DATABASE_URL": url}
    run = subprocess.run(
        [sys.executable, "-m", "voucher", "audit"],
        env=env,
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    if run.returncode != 0:
        print(run.stdout, run.stderr, file=sys.stderr)
    return run.returncode == 0


def write_report(out: str, results: list[dict[str, Any]], console: Any) -> int:
    """Write the figures of a stand-alone run with the machine's facts; exit status 2 when
    any run ended with a failed ledger audit."""
    report = {"machine": machine(), "results": results}
    Path(out).parent.mkdir(parents=True, exist_ok=True)
    Path(out).write_text(json.dumps(report, indent=2, default=str), encoding="utf-8")
    console.print(f"Chiffres écrits dans {out}")
    return 0 if all(r["audit_ok"] for r in results) else 2
