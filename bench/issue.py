"""B3: issuing one batch (books x 10 vouchers, one journal entry) against a plain COPY of
the same number of rows of the same width into a table with the same indexes."""

from __future__ import annotations

import secrets
from typing import Any

import psycopg

from bench import cpu
from bench.common import Result, alternate, audit, drop_pg, fresh_pg
from voucher.db.engine import make_engine, unit_of_work
from voucher.db.migrate import upgrade


def run(scale: dict[str, Any], rounds: int) -> list[Result]:
    vouchers = scale["issue_vouchers"]
    books = vouchers // 10
    name, url = fresh_pg("issue")
    try:
        engine = make_engine(url)
        upgrade(engine)
        from tests import factories as f
        from voucher.services.issuance import batches

        with unit_of_work(engine) as s:
            w = f.world(s, books=1)
            ids = (w.programme.id, w.prescriber.id)
            book_id = s.scalar(__import__("sqlalchemy").text("SELECT min(id) FROM book"))
        with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute("CREATE TABLE bench_copy (LIKE voucher INCLUDING ALL)")

        cpu_log: tuple[list[Any], list[Any]] = ([], [])
        # one connection kept open, as the candidate's pool keeps its own: no connection
        # set up in the timed part, and its backend's CPU is seen to the end
        plain = psycopg.connect(url.replace("+psycopg", ""))

        def baseline(_i: int) -> float:
            rows = [
                (
                    f"{secrets.randbelow(10**24):024d}",
                    book_id + n // 10,
                    ids[0],
                    1 + n % 10,
                    1000,
                    "issued",
                )
                for n in range(vouchers)
            ]

            def go() -> None:
                with plain.cursor() as cur:
                    with cur.copy(
                        "COPY bench_copy (code, book_id, programme_id, position, face_value_cents, state, updated_at) FROM STDIN"
                    ) as copy:
                        for r in rows:
                            copy.write_row((*r, "2026-01-01 00:00:00"))
                    plain.commit()

            t = cpu.timed_cpu(name, go, cpu_log[0])
            plain.execute("TRUNCATE bench_copy")
            plain.commit()
            return t

        def candidate(_i: int) -> float:
            def go() -> None:
                with unit_of_work(engine) as s:
                    batches.issue_batch(
                        s, f.ACTOR, programme_id=ids[0], prescriber_id=ids[1], books=books
                    )

            return cpu.timed_cpu(name, go, cpu_log[1])

        t_copy, t_issue, log = alternate(rounds, baseline, candidate)
        plain.close()
        engine.dispose()
        ok = audit(url)
        return [
            Result(
                "B3",
                f"issue: one batch of {vouchers:,} vouchers with its ledger entry",
                "COPY s",
                "issue s",
                t_copy,
                t_issue,
                "s",
                t_copy / t_issue,
                0.5,
                f"{vouchers} vouchers",
                1,
                ok,
                rounds=log,
                cpu=cpu.summary(*cpu_log, mean=True),
            )
        ]
    finally:
        drop_pg(name)
