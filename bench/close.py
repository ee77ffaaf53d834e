"""B4 close: closing a month over the journal vs a plain ``SELECT count(*), sum(amount)``
scan of the postings, same PostgreSQL database, same run (``scripts/bench_close.py`` holds
the seeding and the timing; this adapts its figures to the common table)."""

from __future__ import annotations

from typing import Any

from bench.common import Result
from bench.scripts_bridge import load


def run(scale: dict[str, Any], rounds: int) -> list[Result]:
    script = load("bench_close")
    r = script.on_postgres(
        scale["close_postings"],
        scale.get("close_structures", 50),
        rounds,
        scale.get("close_months", 6),
    )
    return [
        Result(
            name="B4",
            what=f"close a month ({r['statements']} statements, {r['closed_month_scans']:,} scans) "
            f"over {r['postings']:,} postings",
            baseline_label="s scan",
            candidate_label="s close",
            baseline=r["scan_s"],
            candidate=r["close_s"],
            unit="s",
            ratio=r["ratio"],
            target=0.8,
            scale=f"{r['postings']:,} postings",
            clients=1,
            audit_ok=r["audit_ok"],
            rounds=r["per_round"],
        )
    ]
