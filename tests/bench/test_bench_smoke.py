"""The benchmark suite, each benchmark run alone and the soak at a tiny scale, so that CI catches a benchmark that
crashes or a run that breaks the ledger (BENCH.md: not to judge speed; these figures are
too short to mean anything)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import BACKENDS

ROOT = Path(__file__).resolve().parents[2]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif("postgresql" not in BACKENDS, reason="the benchmarks run on PostgreSQL"),
]


def _run(args: list[str], timeout: int) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_every_benchmark_runs_and_ends_with_a_passing_audit(tmp_path):
    out = tmp_path / "bench.json"
    run = _run(["bench", "--scale", "ci", "--rounds", "1", "--out", str(out)], timeout=1200)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    report = json.loads(out.read_text())
    by_name = {r["name"]: r for r in report["results"]}
    assert sorted(by_name) == ["B1", "B1b", "B2", "B3", "B4", "B5", "B6", "B7"]
    for r in by_name.values():
        assert r["audit_ok"], r["name"]
        assert r["baseline"] > 0 and r["candidate"] > 0, r
        assert r["ratio"] > 0 and r["target"] > 0, r
    for name in ("B1", "B1b"):  # CPU per operation, client + server, both sides
        cpu = by_name[name]["cpu"]
        assert cpu["baseline"]["server_ms"] > 0 and cpu["baseline"]["client_ms"] > 0, cpu
        assert cpu["candidate"]["server_ms"] > 0 and cpu["candidate"]["client_ms"] > 0, cpu
        assert cpu["cpu_ratio"] > 0, cpu
    assert report["machine"]["nproc"] >= 1 and "postgresql" in report["machine"]
    assert "B1b" in run.stdout and "ratio" in run.stdout  # the one table is printed


ALONE = {  # name: (its options at a tiny scale, how many results it reports)
    "close": ("--db sqlite,postgresql --postings 400 --structures 3 --months 2", 2),
    "export": ("--db sqlite --redemptions 300", 1),
    "http": ("--seconds 1", 1),
    "pdf": ("--books 3 --memory 2 --single-pdf 2", 1),
    "rules": ("--db sqlite,postgresql --scans 5", 2),
}


@pytest.mark.parametrize("name", sorted(ALONE))
def test_each_benchmark_runs_alone_with_its_own_options(name, tmp_path):
    options, expected = ALONE[name]
    out = tmp_path / f"{name}.json"
    run = _run(["bench", name, *options.split(), "--rounds", "1", "--out", str(out)], timeout=900)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    report = json.loads(out.read_text())
    results = report.get("results") or [report.get("result", report)]
    assert len(results) == expected
    for r in results:
        assert r["audit_ok"] and r["ratio"] > 0, r


def test_soak_mixes_traffic_and_reports_percentiles_errors_and_audit(tmp_path):
    out = tmp_path / "soak.json"
    run = _run(["bench.soak", "--seconds", "4", "--clients", "3", "--out", str(out)], timeout=600)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report["errors"] == 0 and report["audit_ok"] and report["counts_agree"]
    assert report["stored_redemptions"] > 0
    kinds = report["by_kind"]
    for kind in ("scan", "typo", "all"):
        assert kinds[kind]["requests"] > 0, kind
        assert 0 < kinds[kind]["p50_ms"] <= kinds[kind]["p95_ms"] <= kinds[kind]["p99_ms"], kind
    # the clumsy desk got mistyped_code first, then the guessing rule slowed or locked it
    assert set(report["statuses"]["typo"]) <= {"422", "429"} and "422" in report["statuses"]["typo"]
