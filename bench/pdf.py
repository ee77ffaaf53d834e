"""B5 pdf: printing a batch's production PDF through the printing service vs bare reportlab
drawing the same layout with its own Code 128 widget, each run in its own process so peak
memory is its own (``scripts/bench_pdf.py`` holds both sides)."""

from __future__ import annotations

from typing import Any

from bench.common import Result
from bench.scripts_bridge import load


def run(scale: dict[str, Any], rounds: int) -> list[Result]:
    script = load("bench_pdf")
    books = scale["pdf_books"]
    memory = [n for n in (books // 10, books) if n > 0]
    r = script.measure(books, rounds, True, memory, [])
    flat = ", ".join(f"{int(n):,} carnets {mb:.0f} Mo" for n, mb in r["memory_by_books"].items())
    return [
        Result(
            name="B5",
            what=f"print {books:,} books ({books * 10:,} vouchers) to PDF",
            baseline_label="s reportlab",
            candidate_label="s service",
            baseline=r["t_baseline_s"],
            candidate=r["t_print_s"],
            unit="s",
            ratio=r["ratio"],
            target=0.7,
            scale=f"{books:,} books",
            clients=1,
            audit_ok=r["audit_ok"],
            notes=f"peak RSS: {flat}",
            rounds=[
                {"baseline": x["baseline"]["seconds"], "candidate": x["candidate"]["seconds"]}
                for x in r["runs"]
            ],
        )
    ]
