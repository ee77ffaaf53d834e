"""Fault drill: SIGKILL ``voucher close --confirm`` and ``voucher payrun create --confirm``
in the middle of their transaction. Nothing may be half-done (no statement, no claimed
scan, no transfer, no entry), the ledger stays coherent, and the rerun does it once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import psycopg
from sqlalchemy import func, select

from tests.services.finance.finance_world import busy_months
from voucher.db.engine import unit_of_work
from voucher.db.models import (
    JournalEntry,
    MonthClose,
    PaymentRun,
    PaymentTransfer,
    Redemption,
    Statement,
)
from voucher.services.finance import ledger_audit

ROOT = Path(__file__).resolve().parents[2]
APP = "voucher-drill"


def _counts(engine) -> tuple[int, ...]:
    with unit_of_work(engine) as s:
        claimed = s.scalar(
            select(func.count()).select_from(Redemption).where(Redemption.statement_id.isnot(None))
        )
        return (
            claimed,
            *(
                s.scalar(select(func.count()).select_from(m))
                for m in (Statement, MonthClose, PaymentRun, PaymentTransfer, JournalEntry)
            ),
        )


def _start(url: str, *args: str) -> subprocess.Popen:
    instance = (
        str(Path(url.split("///")[-1]).parent) if url.startswith("sqlite") else "/tmp/voucher-drill"
    )
    env = {**os.environ, "DATABASE_URL": url, "VOUCHER_INSTANCE": instance, "PGAPPNAME": APP}
    return subprocess.Popen(
        [sys.executable, "-m", "voucher", *args, "--confirm"],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _in_transaction(url: str) -> bool:
    """PostgreSQL: the command's backend has an open transaction. SQLite: the write lock
    is taken (every write transaction starts with BEGIN IMMEDIATE)."""
    if url.startswith("sqlite"):
        conn = sqlite3.connect(url.split("///", 1)[1], timeout=0, isolation_level=None)
        try:
            conn.execute("BEGIN IMMEDIATE")
            conn.execute("ROLLBACK")
            return False
        except sqlite3.OperationalError:
            return True
        finally:
            conn.close()
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s "
            "AND xact_start IS NOT NULL",
            (APP,),
        ).fetchone()
    return bool(row and row[0])


def _kill_midway(url: str, *args: str, after: float) -> None:
    proc = _start(url, *args)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and proc.poll() is None and not _in_transaction(url):
        time.sleep(0.005)
    time.sleep(after)
    if proc.poll() is not None:
        out, err = proc.communicate()
        raise AssertionError(
            f"{args[0]} ended before the kill ({proc.returncode}): {err.decode()[-300:]}"
        )
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)


def _rerun(url: str, *args: str) -> None:
    done = _start(url, *args)
    out, err = done.communicate(timeout=300)
    assert done.returncode == 0, err.decode()[-500:]


def test_killing_a_close_and_a_payment_run_midway_leaves_nothing_and_reruns_complete_once(
    fresh_engine,
):
    busy_months(fresh_engine, scans=3_000, structures=300)
    url = fresh_engine.url.render_as_string(hide_password=False)
    before = _counts(fresh_engine)
    _kill_midway(url, "close", "--month", "2026-03", after=0.15)
    assert _counts(fresh_engine) == before
    with unit_of_work(fresh_engine) as s:
        assert ledger_audit.verify(s).ok
    _rerun(url, "close", "--month", "2026-03")
    closed = _counts(fresh_engine)
    assert closed[:3] == (3_000, 300, 1)
    _rerun(url, "close", "--month", "2026-03")
    assert _counts(fresh_engine) == closed
    with unit_of_work(fresh_engine) as s:
        assert list(s.scalars(select(Statement.seq).order_by(Statement.seq))) == list(range(1, 301))

    _kill_midway(url, "payrun", "create", after=0.3)
    assert _counts(fresh_engine) == closed
    _rerun(
        url,
        "payrun",
        "create",
        "--output",
        str(Path(url.split("///")[-1]).parent / "run.xml")
        if url.startswith("sqlite")
        else "/tmp/voucher-drill-run.xml",
    )
    paid = _counts(fresh_engine)
    assert paid[3:5] == (1, 300) and paid[5] == closed[5] + 300
    with unit_of_work(fresh_engine) as s:
        assert ledger_audit.verify(s).ok
        assert set(s.scalars(select(Statement.status))) == {"in_payment"}
