"""B7 (BENCH.md): the impact export against a plain GROUP BY of the same nine dimensions.

    .venv/bin/python scripts/bench_export.py [--db postgresql,sqlite] [--redemptions 20000]
                                             [--rounds 3] [--out bench-results/bench-export.json]

Each database gets a fresh migrated copy (see ``bench/export.py`` for the data and the two
timed sides). Prints one table (ratio t_groupby / t_export, both medians, scale, nproc,
PostgreSQL version, ledger audit) and writes the figures to JSON. Also runs as B7 in
``scripts/bench`` (PostgreSQL only there).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rich.console import Console  # noqa: E402
from rich.table import Table  # noqa: E402

from bench import common  # noqa: E402
from bench.export import measure  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--db", default="postgresql,sqlite")
    parser.add_argument("--redemptions", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", default="bench-results/bench-export.json")
    args = parser.parse_args(argv)
    results = []
    for backend in [b.strip() for b in args.db.split(",") if b.strip()]:
        if backend == "postgresql":
            name, url = common.fresh_pg("export")
            try:
                results.append(measure(url, args.redemptions, args.rounds, "PostgreSQL"))
            finally:
                common.drop_pg(name)
        else:
            with tempfile.TemporaryDirectory() as tmp:
                results.append(
                    measure(
                        f"sqlite:///{tmp}/bench.sqlite3", args.redemptions, args.rounds, "SQLite"
                    )
                )
    facts = common.machine()
    table = Table(
        title=f"B7 export ({args.rounds} rounds, nproc={facts['nproc']}, PostgreSQL {facts.get('postgresql')})"
    )
    for col in ("what", "GROUP BY (s)", "export (s)", "ratio", "target", "scale", "audit"):
        table.add_column(col)
    for r in results:
        table.add_row(
            r.what,
            f"{r.baseline:.3f}",
            f"{r.candidate:.3f}",
            f"{r.ratio:.2f}",
            f"≥ {r.target}",
            r.scale,
            "ok" if r.audit_ok else "BROKEN",
        )
    Console().print(table)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "at": datetime.now(UTC).isoformat(),
                "machine": facts,
                "results": [r.as_dict() for r in results],
            },
            indent=2,
        )
    )
    print(f"Written {out}")
    return 0 if all(r.audit_ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
