"""``scripts/bench``: run the benchmarks, print one table, write JSON.

    scripts/bench [--scale small|medium|full] [--only B1,B3,B6] [--rounds 3] [--out FILE]
    scripts/bench NAME [options]     one benchmark alone, with its own options (--help):
                                     close (B4), export (B7), http (B2), pdf (B5), rules
                                     (fraud rules on/off), soak, profile_redeem,
                                     profile_http (one scan request in process)

Each benchmark alternates baseline and candidate runs on the same database server and
reports the median ratio (BENCH.md); each ends with `voucher audit` on its database.
``scripts/bench NAME`` is ``python -m bench.NAME``: the same module, the same code.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from bench import common

SCALES = {
    # "ci": only to catch crashes in the test suite; its ratios mean nothing (too short)
    "ci": {
        "redeem_per_round": 60,
        "batch_size": 30,
        "batches_per_client": 1,
        "pgbench_seconds": 1,
        "issue_vouchers": 2_000,
        "sqlite_per_round": 60,
        "pdf_books": 4,
        "close_postings": 2_000,
        "close_structures": 5,
        "export_redemptions": 600,
        "http_seconds": 1,
        "http_codes_per_round": 300,
    },
    "small": {
        "redeem_per_round": 400,
        "batch_size": 100,
        "batches_per_client": 4,
        "pgbench_seconds": 3,
        "issue_vouchers": 20_000,
        "sqlite_per_round": 300,
        "pdf_books": 20,
        "close_postings": 20_000,
        "export_redemptions": 5_000,
        "http_seconds": 3,
    },
    "medium": {
        "redeem_per_round": 4_000,
        "batch_size": 100,
        "batches_per_client": 5,
        "pgbench_seconds": 10,
        "issue_vouchers": 200_000,
        "sqlite_per_round": 2_000,
        "pdf_books": 500,
        "close_postings": 500_000,
        "export_redemptions": 100_000,
        "http_seconds": 10,
    },
    "full": {
        "redeem_per_round": 20_000,
        "batch_size": 500,
        "batches_per_client": 5,
        "pgbench_seconds": 20,
        "issue_vouchers": 1_000_000,
        "sqlite_per_round": 5_000,
        "pdf_books": 10_000,
        "close_postings": 5_000_000,
        "export_redemptions": 1_000_000,
        "http_seconds": 20,
    },
}


def suites() -> dict[str, object]:
    from bench import issue, redeem, sqlite

    found: dict[str, object] = {"B1": redeem, "B3": issue, "B6": sqlite}
    from bench import close, export, http, pdf

    found.update({"B2": http, "B4": close, "B5": pdf, "B7": export})
    return dict(sorted(found.items()))


ALONE = (
    "close",
    "export",
    "http",
    "pdf",
    "rules",
    "soak",
    "profile_redeem",
    "profile_http",
    "offline_pack",
)


def _cpu(figures: dict[str, Any]) -> str:
    """'0.71 → 1.52 (×2.1)': CPU per operation (client + server), baseline then candidate."""
    if not figures.get("cpu_ratio"):
        return ""
    base, cand = figures["baseline"]["total_ms"], figures["candidate"]["total_ms"]
    return f"{base:.2f} → {cand:.2f} (×{figures['cpu_ratio']:.1f})"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in ALONE:
        return int(importlib.import_module(f"bench.{argv[0]}").main(argv[1:]) or 0)
    parser = argparse.ArgumentParser(
        prog="scripts/bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--only", default="")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", default="bench-results/latest.json")
    args = parser.parse_args(argv)
    wanted = {x.strip().upper() for x in args.only.split(",") if x.strip()}
    console = Console(width=200)
    results = []
    for name, module in suites().items():
        if wanted and name not in wanted and not (name == "B1" and "B1B" in wanted):
            continue
        console.print(f"[bold]{name}[/] …")
        results.extend(module.run(SCALES[args.scale], args.rounds))  # type: ignore[attr-defined]
    facts = common.machine()
    table = Table(
        title=f"Benchmarks ({args.scale}, {args.rounds} rounds, nproc={facts['nproc']}, "
        f"PostgreSQL {facts.get('postgresql')})"
    )
    for col in (
        "bench",
        "what",
        "baseline",
        "candidate",
        "ratio",
        "target",
        "scale",
        "clients",
        "CPU ms/op base → cand",
        "audit",
    ):
        table.add_column(col)
    for r in results:
        table.add_row(
            r.name,
            r.what,
            f"{r.baseline:,.2f} {r.baseline_label}",
            f"{r.candidate:,.2f} {r.candidate_label}",
            f"[{'green' if r.meets else 'red'}]{r.ratio:.2f}[/]",
            f"≥ {r.target}",
            r.scale,
            str(r.clients),
            _cpu(r.cpu),
            "ok" if r.audit_ok else "[red]BROKEN[/]",
        )
    console.print(table)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "at": datetime.now(UTC).isoformat(),
                "scale": args.scale,
                "rounds": args.rounds,
                "machine": facts,
                "results": [r.as_dict() for r in results],
            },
            indent=2,
        )
    )
    console.print(f"Written {out}")
    return 0 if all(r.audit_ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
