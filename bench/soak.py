"""Soak: a few minutes of mixed traffic through the real HTTP server, on loopback only.

    scripts/soak [--seconds 180] [--clients 8] [--workers N] [--out bench-results/soak.json]
                 [--job-books 100000]   (desks scanning while a job issues a large batch:
                                         bench/soak_job.py; with --sqlite, on the embedded
                                         default instead of PostgreSQL)

A fresh PostgreSQL database gets one programme with enough activated books; gunicorn
serves the app (sync workers, one per core, as ``voucher serve``); ``clients`` processes
send, until the time is up, a mix shaped like a busy morning at several desks:

* ``scan``       POST /api/v1/redemptions, a fresh code and Idempotency-Key → 201;
* ``resend``     the same request again (a scanner that lost the answer) → 201, the first
                 answer replayed, nothing written;
* ``rescan``     a code already redeemed, new key → 409 ``already_redeemed``;
* ``typo``       a code with one digit changed → 422 ``mistyped_code``;
* ``lookup``     GET /api/v1/vouchers/{code} → 200;
* ``batch``      POST /api/v1/redemptions/batch, 20 offline scans of which 2 are resends
                 of scans already synced → 200, one result each.

Every answer is checked against the status its kind must get; anything else (a 5xx, a
wrong status, a connection error) counts as an error. At the end: latency percentiles per
kind (p50/p95/p99), throughput, errors, a count check (the database holds exactly one
redemption per distinct code the clients saw accepted) and ``voucher audit``. Exit status 0
only when there were no errors, the counts agree and the audit passes.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.common import audit, drop_pg, fresh_pg, machine
from bench.http import _key, _redemptions, serve

#: a typo is answered 422 mistyped_code until the guessing rule slows then locks that desk: 429
EXPECTED = {
    "scan": {201},
    "resend": {201},
    "rescan": {409},
    "typo": {422, 429},
    "lookup": {200},
    "batch": {200},
}
DESK = {"scan": 55, "resend": 10, "rescan": 5, "lookup": 25, "batch": 5}
TYPO_DESK = {"typo": 100}
KINDS = ("scan", "resend", "rescan", "typo", "lookup", "batch")
BATCH = 20


def _call(
    source: str, port: int, method: str, path: str, body: Any, headers: dict[str, str]
) -> tuple[int, Any]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30, source_address=(source, 0))
    try:
        conn.request(
            method, path, body=None if body is None else json.dumps(body).encode(), headers=headers
        )
        response = conn.getresponse()
        raw = response.read()
        return response.status, (json.loads(raw) if raw else None)
    finally:
        conn.close()


def _typo(code: str, rng: random.Random) -> str:
    i = rng.randrange(len(code))
    return code[:i] + str((int(code[i]) + rng.randrange(1, 10)) % 10) + code[i + 1 :]


def _client(
    n: int,
    port: int,
    secret: str,
    codes: list[str],
    seconds: float,
    ready: Any,
    start: Any,
    out: Any,
    tag: str = "soak",
) -> None:
    """Desk ``n``: its own API key and its own loopback address (127.0.1.n), as separate desks
    are. Desk 0 is the clumsy one: it mistypes, so the guessing rule slows then locks it
    (and only it), while the other desks go on."""
    rng = random.Random(n)
    source = f"127.0.1.{n + 1}"
    auth = {
        "Authorization": f"Bearer {secret}",
        "Content-Type": "application/json",
        "Connection": "close",
    }
    mix = TYPO_DESK if n == 0 else DESK
    kinds, weights = list(mix), list(mix.values())
    fresh = list(codes)
    sent: list[tuple[str, dict[str, Any]]] = []  # (Idempotency-Key, body) of single scans answered
    synced: list[dict[str, Any]] = []  # offline scans answered in a batch
    accepted: set[str] = set()
    samples: dict[str, list[float]] = {k: [] for k in KINDS}
    statuses: dict[str, dict[int, int]] = {k: {} for k in KINDS}
    errors: list[str] = []
    ready.put(1)
    start.wait()
    deadline = time.perf_counter() + seconds
    seq = 0
    while time.perf_counter() < deadline:
        kind = rng.choices(kinds, weights)[0]
        if kind in ("resend", "rescan") and not sent:
            kind = "scan"
        if kind in ("scan", "batch") and len(fresh) < BATCH:
            kind = "lookup"
        seq += 1
        again: list[dict[str, Any]] = []
        body: Any = None
        path, method, headers = "/api/v1/redemptions", "POST", dict(auth)
        if kind == "scan":
            code = fresh.pop()
            body = {"code": code, "theme": "aide_aux_demarches_administratives"}
            headers["Idempotency-Key"] = f"{tag}-{n}-{seq}"
        elif kind == "resend":
            key, body = rng.choice(sent)
            headers["Idempotency-Key"] = key
        elif kind == "rescan":
            body = {"code": rng.choice(sent)[1]["code"]}
            headers["Idempotency-Key"] = f"{tag}-{n}-{seq}"
        elif kind == "typo":
            method, body = "POST", {"code": _typo(rng.choice(codes), rng)}
            headers["Idempotency-Key"] = f"{tag}-{n}-{seq}"
        elif kind == "lookup":
            method, path = "GET", f"/api/v1/vouchers/{rng.choice(codes)}"
        else:
            now = datetime.now(UTC).isoformat()
            scans = [
                {"scan_id": f"{tag}-{n}-{seq}-{i}", "code": fresh.pop(), "scanned_at": now}
                for i in range(BATCH - len(synced[:2]))
            ]
            again = rng.sample(
                synced, min(2, len(synced))
            )  # a tablet resending what it already synced
            path, body = "/api/v1/redemptions/batch", {"scans": scans + again}
        began = time.perf_counter()
        try:
            status, answer = _call(source, port, method, path, body, headers)
        except OSError as exc:
            errors.append(f"{kind}: {exc.__class__.__name__}")
            continue
        samples[kind].append(time.perf_counter() - began)
        statuses[kind][status] = statuses[kind].get(status, 0) + 1
        if status not in EXPECTED[kind]:
            errors.append(
                f"{kind}: HTTP {status} {answer if status >= 500 else (answer or {}).get('code')}"
            )
            continue
        if kind == "typo" and answer["code"] not in (
            "mistyped_code",
            "too_many_attempts",
            "locked",
        ):
            errors.append(f"typo: {answer['code']}")
        if kind == "scan":
            sent.append((headers["Idempotency-Key"], body))
            accepted.add(body["code"])
        elif kind == "resend" and answer["redemption_id"] is None:
            errors.append("resend: no redemption in the replayed answer")
        elif kind == "batch":
            for scan, result in zip(body["scans"], answer["results"], strict=True):
                is_new = scan not in again
                if (
                    result["status"] not in ("accepted", "held")
                    or result.get("replayed", False) == is_new
                ):
                    errors.append(
                        f"batch: {scan['scan_id']} {result['status']} {result.get('reason')} "
                        f"replayed={result.get('replayed')}"
                    )
                elif is_new:
                    accepted.add(scan["code"])
                    synced.append(scan)
    out.put(
        {"samples": samples, "statuses": statuses, "errors": errors, "accepted": sorted(accepted)}
    )


def _pct(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000


def traffic(
    port: int,
    secrets: list[str],
    codes: list[str],
    seconds: float,
    clients: int,
    tag: str = "soak",
) -> dict[str, Any]:
    """``clients`` desks for ``seconds``; ``tag`` starts their keys and scan ids (a second
    window on the same desks must not resend the first one's keys)."""
    ctx = multiprocessing.get_context("spawn")
    ready, start, out = ctx.Queue(), ctx.Event(), ctx.Queue()
    share = len(codes) // clients
    procs = [
        ctx.Process(
            target=_client,
            args=(
                n,
                port,
                secrets[n],
                codes[n * share : (n + 1) * share],
                seconds,
                ready,
                start,
                out,
                tag,
            ),
        )
        for n in range(clients)
    ]
    for p in procs:
        p.start()
    for _ in procs:
        ready.get(timeout=120)
    began = time.perf_counter()
    start.set()
    results = [out.get(timeout=seconds + 180) for _ in procs]
    elapsed = time.perf_counter() - began
    for p in procs:
        p.join()
    samples: dict[str, list[float]] = {k: [] for k in KINDS}
    statuses: dict[str, dict[str, int]] = {k: {} for k in KINDS}
    for r in results:
        for kind, values in r["samples"].items():
            samples[kind].extend(values)
        for kind, counted in r["statuses"].items():
            for status, count in counted.items():
                statuses[kind][str(status)] = statuses[kind].get(str(status), 0) + count
    every = [v for values in samples.values() for v in values]
    rows = {
        kind: {
            "requests": len(v),
            "p50_ms": _pct(v, 0.50),
            "p95_ms": _pct(v, 0.95),
            "p99_ms": _pct(v, 0.99),
            "mean_ms": statistics.fmean(v) * 1000 if v else 0.0,
        }
        for kind, v in {**samples, "all": every}.items()
    }
    accepted = set().union(*(set(r["accepted"]) for r in results))
    errors = [e for r in results for e in r["errors"]]
    return {
        "seconds": elapsed,
        "requests": len(every),
        "per_second": len(every) / elapsed,
        "by_kind": rows,
        "statuses": statuses,
        "errors": len(errors),
        "error_samples": errors[:20],
        "accepted_codes": len(accepted),
    }


def run(seconds: float, clients: int, workers: int) -> dict[str, Any]:
    from bench.world import build

    db_name, url = fresh_pg("soak")
    server = None
    try:
        # enough fresh codes that no client runs dry: ~60 scans/s/client is far above what 2 cores serve
        books = max(50, int(seconds * clients * 60 * 1.3) // 10)
        structure_id, codes, _p, _pr = build(url, books)
        secrets = [_key(url, structure_id) for _ in range(clients)]
        server, port = serve(url, workers)
        report = traffic(port, secrets, codes, seconds, clients)
        server.terminate()
        server.wait(timeout=30)
        server = None
        stored = _redemptions(url)
        report.update(
            {
                "clients": clients,
                "workers": workers,
                "stored_redemptions": stored,
                "counts_agree": stored == report["accepted_codes"],
                "audit_ok": audit(url),
                "machine": machine(),
                "at": datetime.now(UTC).isoformat(),
            }
        )
        return report
    finally:
        if server is not None:
            server.kill()
        drop_pg(db_name)


def main(argv: list[str] | None = None) -> int:
    from rich.console import Console
    from rich.table import Table

    parser = argparse.ArgumentParser(
        prog="scripts/soak",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--seconds", type=float, default=180)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--out", default="bench-results/soak.json")
    parser.add_argument(
        "--job-books",
        type=int,
        default=0,
        help="also a second window while a job issues a batch of this many books "
        "(bench/soak_job.py; 100000 for the issue's figure)",
    )
    parser.add_argument(
        "--sqlite",
        action="store_true",
        help="with --job-books: the embedded default (SQLite file, huey's SQLite queue) "
        "instead of PostgreSQL",
    )
    args = parser.parse_args(argv)
    console = Console()
    if args.job_books:
        return _with_job(console, args)
    console.print(
        f"Soak: {args.seconds:g} s, {args.clients} clients, gunicorn {args.workers} workers, loopback…"
    )
    report = run(args.seconds, args.clients, args.workers)
    table = Table(
        title=f"Soak — {report['requests']:,} requests in {report['seconds']:.0f} s "
        f"({report['per_second']:.0f}/s), nproc={report['machine']['nproc']}"
    )
    for col in ("kind", "requests", "p50 ms", "p95 ms", "p99 ms", "mean ms", "answers"):
        table.add_column(col, justify="right")
    for kind, row in report["by_kind"].items():
        answers = " ".join(f"{k}×{v}" for k, v in sorted(report["statuses"].get(kind, {}).items()))
        table.add_row(
            kind,
            f"{row['requests']:,}",
            f"{row['p50_ms']:.1f}",
            f"{row['p95_ms']:.1f}",
            f"{row['p99_ms']:.1f}",
            f"{row['mean_ms']:.1f}",
            answers,
        )
    console.print(table)
    console.print(f"errors: {report['errors']}  {report['error_samples'][:5]}")
    console.print(
        f"redemptions stored {report['stored_redemptions']:,} / codes accepted by clients "
        f"{report['accepted_codes']:,}: {'agree' if report['counts_agree'] else '[red]DIFFER[/]'}"
    )
    console.print(f"ledger audit: {'ok' if report['audit_ok'] else '[red]BROKEN[/]'}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    console.print(f"Written {out}")
    return 0 if report["errors"] == 0 and report["counts_agree"] and report["audit_ok"] else 1


def _with_job(console: Any, args: Any) -> int:
    from bench import soak_job

    console.print(
        f"Soak with a job ({'SQLite' if args.sqlite else 'PostgreSQL'}): 2 × {args.seconds:g} s, {args.clients} clients, a batch of "
        f"{args.job_books:,} books issued by a job during the second window…"
    )
    report = soak_job.run(
        args.seconds, args.clients, args.workers, args.job_books, sqlite=args.sqlite
    )
    for window in ("alone", "during_job"):
        row = report[window]
        console.print(
            f"{window:>10}: {row['requests']:,} requests ({row['per_second']:.0f}/s), scan p50 "
            f"{row['scan_p50_ms']:.1f} ms, scan p95 {row['scan_p95_ms']:.1f} ms, all p95 "
            f"{row['all_p95_ms']:.1f} ms, errors {row['errors']}"
        )
    console.print(
        f"job: HTTP {report['post_status']} in {report['post_answered_s']:.2f} s, "
        f"{report['job_state']} after {report['job_seconds']:.0f} s "
        f"(outlasted the window: {report['job_outlasted_window']}), progress seen "
        f"{report['progress_seen'][:12]}, resend same job: {report['resend_same_job']}, "
        f"batches of that size: {report['batches_of_that_size']}"
    )
    console.print(f"errors: {report['errors']}  {report['error_samples'][:5]}")
    console.print(f"ledger audit: {'ok' if report['audit_ok'] else '[red]BROKEN[/]'}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2))
    console.print(f"Written {out}")
    return 0 if soak_job.verdict(report) else 1


if __name__ == "__main__":
    sys.exit(main())
