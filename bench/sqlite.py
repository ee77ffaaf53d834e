"""B6: redemptions on the embedded SQLite default, one writer, against a bare sqlite3 loop
issuing the same statements (same SQL shape, same indexes, same commits)."""

from __future__ import annotations

import secrets
import shutil
import sqlite3
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import cpu
from bench.common import Result, alternate, audit, timed
from bench.world import build
from voucher.db.engine import make_engine, unit_of_work


def _bare_loop(
    path: Path, codes: list[str], structure_id: int, programme_id: int, prescriber_id: int
) -> None:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    now = datetime.now(UTC).replace(tzinfo=None).isoformat(" ")
    db.execute(
        "INSERT OR IGNORE INTO account (code, kind, balance) VALUES (?, 'payable', 0)",
        (f"payable:{structure_id}",),
    )
    for code in codes:
        db.execute("BEGIN IMMEDIATE")
        row = db.execute(
            "SELECT v.id, v.state, v.book_id, v.face_value_cents, b.beneficiary_id, p.valid_until,"
            " (SELECT is_structure FROM organisation WHERE id = ?),"
            " EXISTS (SELECT 1 FROM label WHERE organisation_id = ? AND valid_from <= date('now')),"
            " EXISTS (SELECT 1 FROM programme_zone WHERE programme_id = v.programme_id)"
            " FROM voucher v JOIN book b ON b.id = v.book_id JOIN programme p ON p.id = v.programme_id"
            " WHERE v.code = ?",
            (structure_id, structure_id, code),
        ).fetchone()
        db.execute(
            "UPDATE voucher SET state = 'redeemed', updated_at = ? WHERE id = ? AND state IN ('active','distributed')",
            (now, row[0]),
        )
        acc = []
        for code_, delta in (
            (f"outstanding:{programme_id}:{prescriber_id}", 1000),
            (f"payable:{structure_id}", -1000),
        ):
            acc.append(
                db.execute(
                    "UPDATE account SET balance = balance + ? WHERE code = ? RETURNING id",
                    (delta, code_),
                ).fetchone()[0]
            )
        entry = db.execute(
            "INSERT INTO journal_entry (ref, kind, at, posting_count, hash) VALUES (?, 'bench', ?, 2, ?) RETURNING id",
            (secrets.token_hex(16), now, "0" * 64),
        ).fetchone()[0]
        db.executemany(
            "INSERT INTO posting (entry_id, account_id, amount) VALUES (?, ?, ?)",
            [(entry, acc[0], 1000), (entry, acc[1], -1000)],
        )
        db.execute(
            "INSERT INTO redemption (voucher_id, structure_id, programme_id, book_id, prescriber_id, status,"
            " face_value_cents, scanned_at, recorded_at, prior_state, verdicts, entry_id)"
            " VALUES (?, ?, ?, ?, ?, 'accepted', 1000, ?, ?, 'active', '[]', ?)",
            (row[0], structure_id, programme_id, row[2], prescriber_id, now, now, entry),
        )
        db.execute(
            "INSERT INTO audit_event (at, action, outcome, details) VALUES (?, 'redemption.accepted', 'ok', '{}')",
            (now,),
        )
        db.execute("COMMIT")
    db.close()


def run(scale: dict[str, Any], rounds: int) -> list[Result]:
    n = scale["sqlite_per_round"]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "bench.sqlite3"
        url = f"sqlite:///{path}"
        structure_id, codes, programme_id, prescriber_id = build(url, (n * rounds * 2) // 10 + 1)
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
            return n / _cpu_timed(
                lambda: _bare_loop(bare, chunk, structure_id, programme_id, prescriber_id),
                cpu_base,
            )

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
