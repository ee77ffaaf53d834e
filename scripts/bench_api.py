#!/usr/bin/env python3
"""Benchmark B2 (BENCH.md) alone: redemptions through gunicorn vs the bare ``/api/v1/ping``.

    .venv/bin/python scripts/bench_api.py [--seconds 3] [--rounds 3] [--out bench-results/b2.json]

Same code as ``scripts/bench --only B2`` (bench/http.py); prints one line and writes JSON.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    from bench import common, http

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", default="bench-results/b2.json")
    args = parser.parse_args()
    result = http.run({"http_seconds": args.seconds}, args.rounds)[0]
    print(
        f"B2 {result.candidate:,.1f} redemptions/s ÷ {result.baseline:,.1f} ping req/s = {result.ratio:.2f} "
        f"(target ≥ {result.target}; {result.clients} connections; audit {'ok' if result.audit_ok else 'BROKEN'}) "
        f"— {result.notes}"
    )
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"machine": common.machine(), "result": result.as_dict()}, indent=2))
    return 0 if result.audit_ok else 1


if __name__ == "__main__":
    sys.exit(main())
