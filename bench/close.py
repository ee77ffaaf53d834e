"""B4 (BENCH.md): closing a month against a plain scan of the postings, same database, same run.

    scripts/bench close [--db sqlite,postgresql] [--postings 20000] [--months 6]
                        [--structures 50] [--rounds 3] [--out bench-results/bench-close.json]

Alone it prints its own table and writes JSON; in ``scripts/bench`` it is B4 (PostgreSQL,
the scale's ``close_postings``).

Each database gets a fresh migrated copy: one programme, ``structures`` labelled places with
validated bank details, and about ``postings / 2`` accepted scans spread over ``months`` Paris
months from March 2026 (PostgreSQL: written set-based by :mod:`bench.bulk_world`, row for row
what the redemption service writes; SQLite: made through the redemption service, fraud rules
switched off while seeding, so nothing is held); every month but the last is closed (and the journal sealed), as
in a running year. After one untimed warm-up of each side, rounds alternate the baseline
``SELECT count(*), sum(amount) FROM posting`` (the whole journal) and the close of the last
month (``month_close``: statements numbered, scans claimed and re-counted, journal sealed),
the close being rolled back after it is timed so every round closes the same month
(PostgreSQL: ``VACUUM`` after the rollback, untimed). Reported: t_scan ÷ t_close (target
≥ 0.8), medians, and the ledger audit."""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, func, select, text
from sqlalchemy.orm import Session

from bench import bulk_world, common
from bench.common import Result, drop_pg, fresh_pg
from voucher.db.engine import make_engine, unit_of_work
from voucher.db.migrate import upgrade
from voucher.db.models import Posting
from voucher.domain import calendar
from voucher.domain.finance import Period
from voucher.services.context import SYSTEM
from voucher.services.finance import close, ledger_audit

console = Console(width=120)


def seed(engine: Engine, postings: int, structures: int, months: int) -> tuple[int, Period]:
    """Scans made (about ``postings / 2``, spread over ``months``) and the month to close
    (PostgreSQL: seeded set-based by :mod:`bench.bulk_world`)."""
    return bulk_world.busy_months(engine, postings // 2, structures, months)


def _scan(engine: Engine) -> float:
    with engine.connect() as conn:
        began = time.perf_counter()
        conn.execute(select(func.count(), func.sum(Posting.amount))).one()
        elapsed = time.perf_counter() - began
        conn.rollback()
    return elapsed


def _close(engine: Engine, period: Period) -> tuple[float, int]:
    with (
        Session(engine) as s,
        s.begin(),
        calendar.at(period.next().bounds()[0] + timedelta(days=1)),
    ):
        began = time.perf_counter()
        result = close.close_month(s, SYSTEM, period)
        s.flush()
        elapsed = time.perf_counter() - began
        s.rollback()
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(
                text(
                    "VACUUM ANALYZE redemption, statement, statement_programme, month_close, journal_seal"
                )
            )
    return elapsed, len(result.created)


def bench(
    url: str, label: str, postings: int, structures: int, rounds: int, months: int
) -> dict[str, Any]:
    engine = make_engine(url)
    upgrade(engine)
    began = time.perf_counter()
    scans, period = seed(engine, postings, structures, months)
    seeded_in = time.perf_counter() - began
    _scan(engine), _close(engine, period)  # warm both caches alike, untimed
    with unit_of_work(engine) as s:
        total_postings = int(s.scalar(select(func.count()).select_from(Posting)) or 0)
    scan_t, close_t, log = [], [], []
    statements = 0
    for r in range(rounds):
        order = ("scan", "close") if r % 2 == 0 else ("close", "scan")
        times: dict[str, float] = {}
        for side in order:
            if side == "scan":
                times["scan"] = _scan(engine)
            else:
                times["close"], statements = _close(engine, period)
        scan_t.append(times["scan"])
        close_t.append(times["close"])
        log.append(
            {
                "scan_s": round(times["scan"], 4),
                "close_s": round(times["close"], 4),
                "ratio": round(times["scan"] / times["close"], 3),
            }
        )
    with unit_of_work(engine) as s:
        audit_ok = ledger_audit.verify(s).ok
        server = (
            s.connection()
            .exec_driver_sql(
                "SHOW server_version"
                if engine.dialect.name == "postgresql"
                else "SELECT sqlite_version()"
            )
            .scalar()
        )
    engine.dispose()
    return {
        "db": label,
        "server_version": server,
        "postings": total_postings,
        "scans": scans,
        "months": months,
        "closed_month_scans": -(-scans // months),
        "structures": structures,
        "statements": statements,
        "rounds": rounds,
        "seeded_s": round(seeded_in, 1),
        "scan_s": statistics.median(scan_t),
        "close_s": statistics.median(close_t),
        "ratio": statistics.median([x["ratio"] for x in log]),
        "target": 0.8,
        "audit_ok": audit_ok,
        "per_round": log,
    }


def on_postgres(postings: int, structures: int, rounds: int, months: int) -> dict[str, Any]:
    name, url = fresh_pg("close")
    try:
        return bench(url, "postgresql", postings, structures, rounds, months)
    finally:
        drop_pg(name)


def on_sqlite(postings: int, structures: int, rounds: int, months: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as tmp:
        return bench(
            f"sqlite:///{tmp}/bench.sqlite3", "sqlite", postings, structures, rounds, months
        )


RUNNERS = {"sqlite": on_sqlite, "postgresql": on_postgres}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="scripts/bench close",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--db", default="sqlite,postgresql")
    ap.add_argument("--postings", type=int, default=20_000, help="about twice the scans seeded")
    ap.add_argument("--structures", type=int, default=50)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument(
        "--months",
        type=int,
        default=6,
        help="scans spread over this many months; the last is closed",
    )
    ap.add_argument("--out", default="bench-results/bench-close.json")
    args = ap.parse_args(argv)
    results = []
    for db in args.db.split(","):
        console.print(
            f"[bold]{db}[/] : ~{args.postings:,} lignes sur {args.months} mois, {args.structures} lieux, "
            f"{args.rounds} tours…"
        )
        results.append(RUNNERS[db](args.postings, args.structures, args.rounds, args.months))
    table = Table(title="B4 — clôture d'un mois contre un simple parcours des lignes (médianes)")
    for col in (
        "base",
        "lignes",
        "scans du mois",
        "relevés",
        "parcours (s)",
        "clôture (s)",
        "ratio",
        "cible",
        "journal",
    ):
        table.add_column(col)
    for r in results:
        table.add_row(
            r["db"],
            f"{r['postings']:,}",
            f"{r['closed_month_scans']:,}",
            str(r["statements"]),
            f"{r['scan_s']:.4f}",
            f"{r['close_s']:.4f}",
            f"{r['ratio']:.2f}",
            "≥ 0.80",
            "cohérent" if r["audit_ok"] else "INCOHÉRENT",
        )
    console.print(table)
    return common.write_report(args.out, results, console)


def run(scale: dict[str, Any], rounds: int) -> list[Result]:
    r = on_postgres(
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


if __name__ == "__main__":
    sys.exit(main())
