"""Size and false-positive rate of the offline pack for a million codes.

    scripts/bench offline_pack [--codes 1000000] [--probes 1000000] [--out bench-results/offline-pack.json]

Makes ``--codes`` random valid codes (23 random digits and the Damm check digit, as
issued), builds the pack as the API does (:mod:`voucher.domain.offline_pack`: 4-byte keyed
hashes, sorted), then looks up ``--probes`` other random valid codes, none of them in the
pack: every hit is a false positive. Reports the pack's raw size, its size as JSON
(base64), gzip-compressed (as sent with ``Content-Encoding: gzip``), the measured false
positive rate next to the expected ``n / 2**32``, and the lookup time per code.
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import secrets
import time
from pathlib import Path

from rich.console import Console

from bench import common
from voucher.domain import codes
from voucher.domain import offline_pack as rules


def _random_codes(n: int, avoid: set[str]) -> list[str]:
    out: list[str] = []
    while len(out) < n:
        code = codes.generate()  # as issued: 23 random digits and the Damm check digit
        if code not in avoid:
            out.append(code)
    return out


def measure(n: int, probes: int) -> dict[str, float | int]:
    salt = secrets.token_bytes(16)
    issued = _random_codes(n, set())
    started = time.perf_counter()
    packed = rules.pack(rules.entry(salt, c) for c in issued)
    build_s = time.perf_counter() - started
    others = _random_codes(probes, set(issued))
    started = time.perf_counter()
    hits = sum(rules.contains(packed, rules.entry(salt, c)) for c in others)
    lookup_s = time.perf_counter() - started
    assert all(rules.contains(packed, rules.entry(salt, c)) for c in issued[:1000])
    as_json = json.dumps({"added": base64.b64encode(packed).decode()})
    return {
        "codes": n,
        "entries": len(packed) // rules.HASH_BYTES,
        "raw_bytes": len(packed),
        "json_bytes": len(as_json),
        "gzip_json_bytes": len(gzip.compress(as_json.encode(), 6)),
        "probes": probes,
        "false_positives": hits,
        "false_positive_rate": hits / probes,
        "expected_rate": n / 2 ** (8 * rules.HASH_BYTES),
        "build_seconds": round(build_s, 2),
        "lookup_microseconds": round(lookup_s / probes * 1e6, 2),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench offline_pack")
    parser.add_argument("--codes", type=int, default=1_000_000)
    parser.add_argument("--probes", type=int, default=1_000_000)
    parser.add_argument("--out", default="bench-results/offline-pack.json")
    args = parser.parse_args(argv)
    console = Console()
    result = measure(args.codes, args.probes)
    for name, value in result.items():
        console.print(f"{name}: {value}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    report = {"machine": common.machine(), "results": [result]}
    Path(args.out).write_text(json.dumps(report, indent=2), encoding="utf-8")
    console.print(f"Chiffres écrits dans {args.out}")
    return 0
