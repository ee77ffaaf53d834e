"""Run the installed ``voucher`` command to a fault point (voucher/faults.py) and SIGKILL it
there, inside its open transaction by construction: no sleep decides where the kill lands.

Each helper starts ``python -m voucher`` with the test's database, an instance folder of
its own and its output in files (a pipe nobody reads could fill up and stall the command).
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import psycopg

from voucher import faults

REACH_DEADLINE = 300.0
#: seconds a short transaction may take to end before it counts as held: far below a held
#: point (600 s); a worker at a lower CPU priority on two busy cores once took more than 10
TRANSIENT = 120.0
APP = f"voucher-drill-{uuid.uuid4().hex[:8]}"


def _env(url: str, folder: Path, **extra: str) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if k not in (faults.WAIT, faults.READY)}
    return {
        **base,
        "DATABASE_URL": url,
        "VOUCHER_INSTANCE": str(folder / "instance"),
        "PGAPPNAME": APP,
        **extra,
    }


@dataclass
class Running:
    proc: subprocess.Popen
    out: Path
    err: Path

    def said(self) -> str:
        return self.err.read_text(encoding="utf-8", errors="replace")[-800:]


def _start(url: str, folder: Path, args: tuple[str, ...], **extra: str) -> Running:
    tag = uuid.uuid4().hex[:6]
    out, err = folder / f"{tag}.out", folder / f"{tag}.err"
    with out.open("wb") as stdout, err.open("wb") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "voucher", *args],
            env=_env(url, folder, **extra),
            cwd=folder,
            stdout=stdout,
            stderr=stderr,
        )
    return Running(proc, out, err)


def complete(url: str, folder: Path, *args: str) -> str:
    """Run ``voucher <args>`` to its end; it must succeed. Returns what it printed."""
    run = _start(url, folder, args)
    assert run.proc.wait(timeout=900) == 0, run.said()
    return run.out.read_text(encoding="utf-8")


def kill_at(
    point: str,
    url: str,
    folder: Path,
    *args: str,
    while_held: Callable[[], None] | None = None,
    held_open: bool | None = True,
) -> float:
    """Start ``voucher <args>``, wait until it blocks at ``point`` with its transaction open
    (``held_open=False``: with none open, a point between two transactions; ``None``: in a
    transaction that only reads, holding no write), call ``while_held()`` then (what others
    see of the half-done work), SIGKILL it; returns the seconds it took to reach the
    point."""
    ready = folder / f"{point}.{uuid.uuid4().hex[:6]}.ready"
    run = _start(url, folder, args, **{faults.WAIT: point, faults.READY: str(ready)})
    proc = run.proc
    began = time.monotonic()
    try:
        while not ready.exists():
            assert proc.poll() is None, f"ended before {point} ({proc.returncode}): {run.said()}"
            assert time.monotonic() - began < REACH_DEADLINE, f"{point} not reached"
            time.sleep(0.01)
        reached = time.monotonic() - began
        assert ready.read_text(encoding="utf-8").split() == [str(proc.pid), point]
        # between two transactions, the worker's own minutely tasks (mail, webhooks) may
        # hold a short one: wait that out; a point inside a transaction holds it for good
        if held_open is None:
            assert not writing(url, TRANSIENT), f"{point}: a write held"
        else:
            assert in_transaction(url, 0.0 if held_open else TRANSIENT) == held_open, (
                f"{point}: a transaction open must be {held_open}"
            )
        if while_held is not None:
            while_held()
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    print(f"{point}: reached in {reached:.2f} s, killed")  # shown by pytest -rP
    return reached


def in_transaction(url: str, wait: float = 0.0) -> bool:
    """PostgreSQL: the command's backend has an open transaction. SQLite: the write lock
    is held (every write transaction starts with BEGIN IMMEDIATE). ``wait``: seconds a
    transaction may take to end before it counts as held."""
    return _held(url, wait, "xact_start IS NOT NULL")


def writing(url: str, wait: float = 0.0) -> bool:
    """The command holds a write: on PostgreSQL its transaction has written (it has a
    transaction id), on SQLite the write lock is held. A transaction that only reads
    holds none. ``wait``: as :func:`in_transaction`."""
    return _held(url, wait, "backend_xid IS NOT NULL")


def _held(url: str, wait: float, condition: str) -> bool:
    def now() -> bool:
        return write_locked(url) if url.startswith("sqlite") else _backends(url, condition) > 0

    deadline = time.monotonic() + wait
    while now():
        if time.monotonic() >= deadline:
            return True
        time.sleep(0.05)
    return False


def write_locked(url: str) -> bool:
    """SQLite: some connection holds the write lock (a ``BEGIN IMMEDIATE`` cannot start)."""
    conn = sqlite3.connect(url.split("///", 1)[1], timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError:
        return True
    finally:
        conn.close()


def _backends(url: str, condition: str) -> int:
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE application_name = %s "  # noqa: S608
            f"AND datname = current_database() AND {condition}",
            (APP,),
        ).fetchone()
    return int(row[0]) if row else 0


def start_worker(url: str, folder: Path) -> subprocess.Popen[bytes]:
    """A job worker (``voucher worker``) on the test's database and instance folder."""
    with (folder / "worker.err").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "voucher", "worker"],
            env=_env(url, folder),
            cwd=folder,
            stderr=log,
        )


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a worker as an operator would (SIGINT), killing it if it will not stop."""
    proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=60)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=60)
