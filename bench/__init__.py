"""Benchmarks B1-B7 of BENCH.md: ratios against a baseline measured in the same run."""
