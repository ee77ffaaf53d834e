"""Where one ``POST /api/v1/redemptions`` spends its time around the scan itself (the
profile behind B2 in docs/performance.md).

    .venv/bin/python -m bench.profile_http [--db postgresql|sqlite] [--requests 1000] [--profile]

One client, in process (the Flask test client: no socket, no gunicorn), one fresh database
built like B2's, the app configured as B2's server (limits raised, ``memory://`` counts).
After a warm-up, every SQL statement the requests send is counted, the process CPU per
request is read (app and client are one process here) and, on PostgreSQL, the backend's
CPU per request (:mod:`bench.cpu`). For comparison the same is measured for the bare
``GET /api/v1/ping``. With ``--profile`` the cProfile functions with the most own time and
the heaviest calls and the layers around the scan (``--focus``) are printed. With
``--parts`` the process CPU of each layer around the scan (``PARTS``) is timed per request
by one pair of clock reads per call: cProfile's own cost per call inflates Python-heavy
layers (a Redis call, a session's commit) several times over.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import importlib
import io
import json
import pstats
import tempfile
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import event

from bench.common import drop_pg, fresh_pg
from bench.cpu import ServerCPU
from bench.http import HIGH_LIMIT, _key
from bench.world import build

#: the layers around the scan shown with --profile (a regular expression on file:function)
FOCUS = (
    r"voucher/web|flask_limiter/_ext|limits/|flask/app|smorest|webargs|marshmallow/schema"
    r"|do_ping|pool/base|orm/session.py.*commit"
)
#: the layers timed with --parts: (module, function, label); a class's method as "Class.name"
PARTS = (
    ("flask.app", "Flask.wsgi_app", "the whole WSGI app (no test client)"),
    ("voucher.services.redemption.scan", "scan", "the scan service (client side)"),
    ("voucher.web.limits", "count", "rate limits (two buckets)"),
    ("voucher.services.access.api_keys", "find_api_key", "the key's read"),
    ("voucher.services.idempotency", "claim", "idempotency claim"),
    ("voucher.services.idempotency", "complete", "idempotency answer + COMMIT"),
    ("webargs.core", "Parser.parse", "webargs (headers, body)"),
    ("voucher.web.hygiene", "check", "boundary checks"),
)
LIMITS = ("API_REDEEM_LIMIT", "API_ADDRESS_LIMIT", "API_LOOKUP_LIMIT", "API_BATCH_LIMIT")


def _app(url: str, instance: str) -> Any:
    import os

    os.environ["VOUCHER_INSTANCE"] = instance
    from voucher.web.app import create_app

    return create_app({"DATABASE_URL": url, **{name: HIGH_LIMIT for name in LIMITS}})


def _time_parts(spent: collections.Counter[str]) -> Callable[[], None]:
    """Wrap each of :data:`PARTS` to add its process CPU to ``spent``; returns the undo."""
    undo = []
    for module_name, name, label in PARTS:
        owner: Any = importlib.import_module(module_name)
        if "." in name:
            class_name, name = name.split(".")
            owner = getattr(owner, class_name)
        original = owner.__dict__[name]

        def timed(*args: Any, _fn: Any = original, _label: str = label, **kwargs: Any) -> Any:
            began = time.process_time()
            try:
                return _fn(*args, **kwargs)
            finally:
                spent[_label] += time.process_time() - began

        setattr(owner, name, timed)
        undo.append((owner, name, original))

    def restore() -> None:
        for owner, name, original in undo:
            setattr(owner, name, original)

    return restore


def _measure(
    label: str, db_name: str | None, send: Callable[[int], None], count: int
) -> dict[str, float]:
    cpu = ServerCPU(db_name) if db_name else None
    began, wall = time.process_time(), time.perf_counter()
    if cpu:
        with cpu:
            for i in range(count):
                send(i)
    else:
        for i in range(count):
            send(i)
    client = time.process_time() - began
    wall = time.perf_counter() - wall
    out = {
        "process_cpu_ms": 1000 * client / count,
        "wall_ms": 1000 * wall / count,
        "server_cpu_ms": 1000 * cpu.seconds / count if cpu else 0.0,
    }
    print(f"{label}: " + ", ".join(f"{k} {v:.2f}" for k, v in out.items()))
    return out


def profile(
    url: str,
    db_name: str | None,
    requests: int,
    show: bool,
    focus: str = FOCUS,
    parts: bool = False,
) -> dict[str, Any]:
    structure_id, codes, _p, _pr = build(url, (2 * requests + 200) // 10 + 1)
    secret = _key(url, structure_id)
    spent: collections.Counter[str] = collections.Counter()
    undo = _time_parts(spent) if parts else None  # before the app: hooks are bound then
    app = _app(url, tempfile.mkdtemp(prefix="bench-profile-http-"))
    client = app.test_client()
    auth = {"Authorization": f"Bearer {secret}"}
    counts: collections.Counter[str] = collections.Counter()
    engine = app.extensions["voucher.engine"]

    @event.listens_for(engine, "before_cursor_execute")
    def _count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        counts[" ".join(statement.split()[:4])[:70]] += 1

    codes = iter(codes)

    def scan(_i: int) -> None:
        code = next(codes)
        answer = client.post(
            "/api/v1/redemptions",
            json={"code": code, "theme": "email"},
            headers={**auth, "Idempotency-Key": f"p-{code}"},
        )
        if answer.status_code != 201:
            raise RuntimeError(f"{answer.status_code} {answer.get_data(as_text=True)[:300]}")

    def ping(_i: int) -> None:
        if client.get("/api/v1/ping").status_code != 200:
            raise RuntimeError("ping")

    for i in range(100):  # warm-up: imports, prepared statements, caches
        scan(i)
        ping(i)
    counts.clear()
    result: dict[str, Any] = {"ping": _measure("ping", db_name, ping, requests)}
    spent.clear()
    result["redemption"] = _measure("redemption", db_name, scan, requests)
    if undo is not None:
        undo()
        result["parts_us"] = {label: round(1e6 * s / requests) for label, s in spent.items()}
        print("process CPU per redemption request, by layer (µs):")
        for label, us in sorted(result["parts_us"].items(), key=lambda item: -item[1]):
            print(f"  {us:6d}  {label}")
    print(f"statements per redemption request: {sum(counts.values()) / requests:.1f}")
    for statement, n in counts.most_common():
        print(f"  {n / requests:5.2f}  {statement}")
    result["statements"] = sum(counts.values()) / requests
    if show:
        prof = cProfile.Profile(time.process_time)  # CPU, not waits
        prof.enable()
        for i in range(min(requests, 300)):
            scan(i)
        prof.disable()
        for order in ("tottime", "cumulative"):
            text = io.StringIO()
            pstats.Stats(prof, stream=text).sort_stats(order).print_stats(35)
            print(text.getvalue())
        text = io.StringIO()
        pstats.Stats(prof, stream=text).sort_stats("cumulative").print_stats(focus, 80)
        print(text.getvalue())
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/bench profile_http", description=__doc__)
    parser.add_argument("--db", choices=("postgresql", "sqlite"), default="postgresql")
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--parts", action="store_true", help="time the layers in PARTS")
    parser.add_argument("--focus", default=FOCUS, help="the functions shown with --profile")
    args = parser.parse_args(argv)
    if args.db == "sqlite":
        url = f"sqlite:///{tempfile.mkdtemp(prefix='bench-profile-http-')}/bench.db"
        print(json.dumps(profile(url, None, args.requests, args.profile, args.focus, args.parts)))
        return 0
    db_name, url = fresh_pg("profile_http")
    try:
        print(
            json.dumps(profile(url, db_name, args.requests, args.profile, args.focus, args.parts))
        )
    finally:
        drop_pg(db_name)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
