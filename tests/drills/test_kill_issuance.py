"""Fault drill: SIGKILL the process in the middle of issuing a large batch. Nothing may be
half-done (no batch, no book, no voucher, no entry), the ledger stays balanced, and
rerunning issues the batch exactly once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select

from tests import factories as f
from voucher.db.engine import unit_of_work
from voucher.db.models import Batch, Book, JournalEntry, Voucher
from voucher.services.finance import ledger_audit

ROOT = Path(__file__).resolve().parents[2]
BOOKS = 20_000  # 200,000 vouchers


def _counts(engine):
    with unit_of_work(engine) as s:
        return tuple(
            s.scalar(select(func.count()).select_from(m))
            for m in (Batch, Book, Voucher, JournalEntry)
        )


def _issue(url: str, programme_id: int, prescriber_id: int) -> subprocess.Popen:
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "VOUCHER_INSTANCE": str(Path(url.split("///")[-1]).parent)
        if url.startswith("sqlite")
        else "/tmp/voucher-drill",
    }
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "voucher",
            "issue",
            "--programme",
            str(programme_id),
            "--prescriber",
            str(prescriber_id),
            "--books",
            str(BOOKS),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_killing_a_200k_voucher_issuance_leaves_nothing_and_a_rerun_completes_once(fresh_engine):
    with unit_of_work(fresh_engine) as s:
        w = f.world(s, books=1)
        ids = (w.programme.id, w.prescriber.id)
    before = _counts(fresh_engine)
    url = fresh_engine.url.render_as_string(hide_password=False)
    proc = _issue(url, *ids)
    deadline = time.monotonic() + 120
    # wait until the process is visibly writing its rows, then kill it mid-way
    while time.monotonic() < deadline and proc.poll() is None and not _writing(url):
        time.sleep(0.2)
    time.sleep(0.5)
    if proc.poll() is not None:
        out, err = proc.communicate()
        raise AssertionError(
            f"issuance ended before the kill ({proc.returncode}): {err.decode()[-500:]}"
        )
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=30)
    assert _counts(fresh_engine) == before
    with unit_of_work(fresh_engine) as s:
        assert ledger_audit.verify(s).ok
    rerun = _issue(url, *ids)
    out, err = rerun.communicate(timeout=900)
    assert rerun.returncode == 0, err.decode()
    after = _counts(fresh_engine)
    assert after[0] == before[0] + 1 and after[2] == before[2] + BOOKS * 10
    with unit_of_work(fresh_engine) as s:
        assert ledger_audit.verify(s).ok


def _writing(url: str) -> bool:
    """PostgreSQL: a COPY into voucher is running. SQLite: the transaction has spilled
    pages into the write-ahead log (uncommitted, so invisible to readers)."""
    if url.startswith("sqlite"):
        wal = Path(url.split("///", 1)[1] + "-wal")
        return wal.exists() and wal.stat().st_size > 4_000_000
    import psycopg

    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY voucher%'"
            " AND state = 'active'"
        ).fetchone()
    return bool(row and row[0])
