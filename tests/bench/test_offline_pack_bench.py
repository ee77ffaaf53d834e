"""The offline pack's benchmark (``scripts/bench offline_pack``) runs at a small scale and
its figures hang together; the figures docs/api.md states for 1,000,000 codes agree with
the pack's format (4 bytes an entry) and its expected false-positive rate (n / 2³²)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bench import offline_pack as bench
from voucher.domain import offline_pack as rules

DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def test_the_benchmark_measures_size_and_false_positives(tmp_path):
    out = tmp_path / "pack.json"
    assert bench.main(["--codes", "20000", "--probes", "20000", "--out", str(out)]) == 0
    result = json.loads(out.read_text())["results"][0]
    assert result["raw_bytes"] == rules.HASH_BYTES * result["entries"]
    assert 19_990 <= result["entries"] <= 20_000  # a few codes may share an entry
    assert result["expected_rate"] == 20_000 / 2**32
    # expected about 0.09 false positives among 20,000 probes: 5 would be a broken filter
    assert result["false_positives"] <= 5
    assert result["gzip_json_bytes"] < result["json_bytes"]


def test_the_documented_figures_follow_from_the_format():
    text = DOC.read_text(encoding="utf-8")
    entries = int(
        re.search(r"\| entries \(\d+ shared by two codes\) \| ([\d,]+) \|", text)[1].replace(
            ",", ""
        )
    )
    raw = int(re.search(r"\(([\d,]+) bytes: 4 bytes a code\)", text)[1].replace(",", ""))
    assert raw == rules.HASH_BYTES * entries
    assert 999_000 <= entries <= 1_000_000
    assert f"{1_000_000 / 2**32 * 1e4:.1f} × 10⁻⁴" in text  # the expected rate stated
    hits, probes = re.search(r"\(([\d,]+) unknown valid codes\) \| (\d+), i\.e\.", text).group(2, 1)
    measured = int(hits) / int(probes.replace(",", ""))
    assert abs(measured - 1_000_000 / 2**32) < 0.5e-4  # within sampling noise of n / 2³²
