"""Fault points (voucher/faults.py) stop a process only when a test names them."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from voucher import faults

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = "from voucher import faults; faults.point('drill.here'); print('went on')"


def test_a_point_does_nothing_unless_the_variable_names_it(monkeypatch, tmp_path):
    """A point that fired would announce itself in the ready file (and then block)."""
    ready = tmp_path / "ready"
    monkeypatch.setenv(faults.READY, str(ready))
    monkeypatch.delenv(faults.WAIT, raising=False)
    assert faults.point("close.statements_written") is None
    monkeypatch.setenv(faults.WAIT, "payrun.transfers_written")
    assert faults.point("close.statements_written") is None
    monkeypatch.setenv(faults.WAIT, "close.statements_written ")
    assert faults.point("close.statements_written") is None
    assert not ready.exists()


def test_a_named_point_announces_itself_and_waits_to_be_killed(tmp_path):
    ready = tmp_path / "ready"
    env = {**os.environ, faults.WAIT: "drill.here", faults.READY: str(ready)}
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    while not ready.exists() and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    assert ready.read_text(encoding="utf-8") == f"{proc.pid} drill.here\n"
    time.sleep(0.2)
    assert proc.poll() is None, "a named point blocks"
    proc.send_signal(signal.SIGKILL)
    out, err = proc.communicate(timeout=30)
    assert out == b"" and b"waiting to be killed" in err
    assert [p.name for p in tmp_path.iterdir()] == ["ready"]


def test_without_the_variable_a_command_runs_through_its_points(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != faults.WAIT}
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], env=env, capture_output=True, timeout=60, check=True
    )
    assert done.stdout == b"went on\n"


def test_only_the_fault_module_reads_the_variables():
    readers = [
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "voucher").rglob("*.py")
        if "VOUCHER_FAULT" in p.read_text(encoding="utf-8")
    ]
    assert readers == ["voucher/faults.py"]
