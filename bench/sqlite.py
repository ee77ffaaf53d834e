"""B6: redemptions on the embedded SQLite default, one writer, against a bare sqlite3 loop
issuing the same statements: the very SQL text the service compiles for a plain accepted
scan (the locking facts query, the rules' facts, the writes), in the same order, with the
same ``BEGIN IMMEDIATE`` and commit per scan, on its own copy of the same database. What
the ratio measures is then the service's Python: session, rules, hash, parameters."""

from __future__ import annotations

import secrets
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench import cpu
from bench.common import Result, alternate, audit, timed
from bench.world import build
from voucher.db.engine import make_engine, unit_of_work

#: the service's statements in the order a plain accepted scan issues them, and the names of
#: their parameters in order (checked against the compiled statements: a change in the
#: service's SQL stops the benchmark instead of comparing against other statements)
_ORDER = {
    "facts": ("sid", "sid", "today", "today", "sid", "sid", "today", "today", "sid", "sid",
              "scan_id", "sid", "start", "end", "sid", "since", "today", "code"),
    "take": ("new_state", "now", "vid"),
    "entry": ("ref", "kind", "now", "posting_count", "hash", "user_id"),
    "postings": ("entry_id", "a1", "m1", "entry_id", "a2", "m2"),
    "scan": ("vid", "sid", "programme_id", "book_id", "beneficiary_id", "prescriber_id",
             "user_id", "api_key_id", "scan_id", "device", "status", "face_value_cents",
             "scanned_at", "now", "theme", "autonomy", "prior_state", "verdicts", "entry_id"),
    "event": ("now", "action", "user_id", "api_key_id", "actor_label", "sid", "ip", "details",
              "redemption_id"),
    "day": ("sid", "day"),
    "balances": ("a1", "m1", "m2", "a1", "a2"),
}  # fmt: skip


def service_sql(url: str) -> dict[str, str]:
    """The SQL text of each statement of a plain accepted scan, as the service compiles it
    (:mod:`voucher.db.prepared`), so the bare loop issues the very same statements."""
    from voucher.db import dialect, prepared
    from voucher.services.redemption import rules_sqlite, scan_write
    from voucher.services.redemption import scan_statements as sql

    engine = make_engine(url)
    with engine.connect() as conn:
        facts = dialect.for_update(sql.SCAN_ROW_TO_WRITE, conn, of=sql.VOUCHERS)
        writes = scan_write._sqlite(count_day=True, balances=True)
        statements = dict(zip(_ORDER, [rules_sqlite.fold(facts), *writes], strict=True))
        compiled = {k: prepared.Prepared(v, conn.dialect) for k, v in statements.items()}
    engine.dispose()
    for key, one in compiled.items():
        if tuple(name for name, _ in one.binds) != _ORDER[key]:
            raise RuntimeError(f"B6: the service's {key} statement changed; update the bare loop")
    return {key: one.sql for key, one in compiled.items()}


def _bare_loop(path: Path, codes: list[str], structure_id: int, sql: dict[str, str]) -> None:
    """The service's statements with plain tuples: no session, no rules, no hash."""
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    sid = structure_id
    at = datetime.now(UTC).replace(tzinfo=None)
    now = at.strftime("%Y-%m-%d %H:%M:%S.%f")
    today = at.date().isoformat()
    day_start, day_end = today + " 00:00:00.000000", today + " 23:59:59.999999"
    since = (at.date() - timedelta(days=28)).isoformat()
    db.execute(
        "INSERT OR IGNORE INTO account (code, kind, balance) VALUES (?, 'payable', 0)",
        (f"payable:{sid}",),
    )
    for code in codes:
        db.execute("BEGIN IMMEDIATE")
        row = db.execute(
            sql["facts"],
            (sid, sid, today, today, sid, sid, today, today, sid, sid, None, sid,
             day_start, day_end, sid, since, today, code),
        ).fetchone()  # fmt: skip
        vid, state, book, face, programme, holder, ben = (
            row[0], row[2], row[3], row[5], row[6], row[8], row[9]
        )  # fmt: skip
        a1, a2 = row[-5], row[-4]
        db.execute(sql["take"], ("redeemed", now, vid))
        entry = db.execute(
            sql["entry"], (secrets.token_hex(16), "redemption.accepted", now, 2, "0" * 64, 1)
        ).fetchone()[0]
        db.execute(sql["postings"], (entry, a1, face, entry, a2, -face))
        scan = db.execute(
            sql["scan"],
            (vid, sid, programme, book, ben, holder, 1, None, None, None, "accepted", face,
             now, now, None, None, state, "[]", entry),
        ).fetchone()[0]  # fmt: skip
        db.execute(
            sql["event"], (now, "redemption.accepted", 1, None, "bench", sid, None, "{}", scan)
        )
        db.execute(sql["day"], (sid, today))
        db.execute(sql["balances"], (a1, face, -face, a1, a2))
        db.execute("COMMIT")
    db.close()


def run(scale: dict[str, Any], rounds: int) -> list[Result]:
    n = scale["sqlite_per_round"]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        url = f"sqlite:///{path}"
        structure_id, codes, _programme, _prescriber = build(url, (n * rounds * 2) // 10 + 1)
        sql = service_sql(url)
        bare = Path(tmp) / "bare.sqlite3"  # the bare loop works on its own copy
        shutil.copy(path, bare)
        engine = make_engine(url)
        from voucher.services.context import Actor
        from voucher.services.redemption import redeem

        actor = Actor(label="bench", user_id=1)

        cpu_base: list[dict[str, float]] = []
        cpu_cand: list[dict[str, float]] = []

        def candidate(i: int) -> float:
            chunk = codes[(2 * i) * n : (2 * i + 1) * n]

            def go() -> None:
                for code in chunk:
                    with unit_of_work(engine) as s:
                        redeem.redeem(s, actor, redeem.Scan(code=code, structure_id=structure_id))

            return n / _cpu_timed(go, cpu_cand)

        def baseline(i: int) -> float:
            chunk = codes[(2 * i + 1) * n : (2 * i + 2) * n]
            return n / _cpu_timed(lambda: _bare_loop(bare, chunk, structure_id, sql), cpu_base)

        def _cpu_timed(go: Callable[[], None], log: list[dict[str, float]]) -> float:
            began = time.process_time()  # embedded database: its CPU is this process's
            wall = timed(go)
            log.append(cpu.per_op_ms(time.process_time() - began, 0.0, n))
            return wall

        base, cand, log = alternate(rounds, baseline, candidate)
        engine.dispose()
        ok = audit(url)  # the service's database; the bare loop's copy books placeholder hashes
        return [
            Result(
                "B6",
                "sqlite: redemptions through the service, one writer",
                "bare sqlite3 /s",
                "service /s",
                base,
                cand,
                "per s",
                cand / base,
                0.8,
                f"{n} scans/round",
                1,
                ok,
                rounds=log,
                cpu=cpu.summary(cpu_base, cpu_cand),
            )
        ]
