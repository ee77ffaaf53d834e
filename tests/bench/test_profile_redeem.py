"""``scripts/bench profile_redeem --against SQL``: two databases built alike, the second
with the given statements, scans alternated between them, both sides' CPU per scan and
the ratio printed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BACKENDS

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif("postgresql" not in BACKENDS, reason="the comparison runs on PostgreSQL"),
]


def test_a_schema_change_is_compared_with_the_schema_as_migrated():
    run = subprocess.run(
        [sys.executable, "-m", "bench", "profile_redeem", "--scans", "200"]
        + ["--against", "CREATE INDEX ix_probe ON audit_event (outcome); ANALYZE audit_event"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    assert "A: median CPU per scan" in run.stdout and "B: median CPU per scan" in run.stdout
    assert "B / A, median of the chunks: server" in run.stdout
