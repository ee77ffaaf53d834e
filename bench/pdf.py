"""B5 (BENCH.md): printing N books to PDF against a bare reportlab loop drawing the same
layout with reportlab's own Code 128 widget, without a database.

    scripts/bench pdf [--books 200] [--rounds 3] [--postgres] [--memory 100,1000]
                      [--single-pdf 100,1000] [--out bench-results/pdf.json]

Alone it prints its figures and writes JSON; in ``scripts/bench`` it is B5 (PostgreSQL, the
scale's ``pdf_books``, peak memory at a tenth of that and at that).

* candidate: ``voucher.services.printing.production.production`` on a batch of N books (10 vouchers
  each) issued in a fresh database (SQLite file, or PostgreSQL with ``--postgres``): Core
  reads in chunks, python-barcode encoding, vector bars, shared PDF forms, parts of 500
  books in a ZIP above 500 books; the file goes to a byte-counting sink;
* baseline: the same pages (cover, 8 vouchers per A4 page, same texts) drawn directly with
  ``reportlab.graphics.barcode.code128.Code128`` from codes held in memory, one canvas per
  500 books, to the same kind of sink;
* each run is a separate process (so peak RSS is its own); runs alternate baseline,
  candidate, and the medians are compared: ratio = t_baseline / t_print (target ≥ 0.7);
* ``--memory`` also prints the candidate's peak RSS for each listed batch size (flat means
  streamed), ``--single-pdf`` the same for one unsplit PDF (it grows: reportlab keeps every
  page until the end); the run ends with the ledger audit on the benchmark database.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported where used: the measured children load no more than they need
    from bench.common import Result

ROOT = Path(__file__).resolve().parent.parent
PART_BOOKS = 500
PG_ADMIN = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


class CountingSink:
    def __init__(self) -> None:
        self.size = 0

    def write(self, data: bytes) -> int:
        self.size += len(data)
        return len(data)


def _peak_mb() -> float:
    """This process's peak RSS. ``VmHWM`` belongs to the process image, whereas Linux's
    ``ru_maxrss`` survives fork/exec and would report the parent's peak."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- children (one process per measured run) ------------------------------------------------
def child_candidate(url: str, batch_id: int, funder_id: int, part_books: int) -> dict[str, float]:
    from sqlalchemy.orm import Session

    from voucher.db.engine import make_engine
    from voucher.services.context import Actor
    from voucher.services.printing import production

    engine = make_engine(url)
    actor = Actor(label="bench", role="funder", organisation_id=funder_id)
    start = time.perf_counter()
    with Session(engine) as session:
        job = production.production(session, actor, batch_id, part_books=part_books)
        sink = CountingSink()
        for chunk in job.chunks():
            sink.write(chunk)
        session.rollback()  # leave the database as it was for the next round
    return {"seconds": time.perf_counter() - start, "bytes": sink.size, "peak_mb": _peak_mb()}


def child_baseline(books: int) -> dict[str, float]:
    from reportlab.graphics.barcode.code128 import Code128
    from reportlab.pdfgen.canvas import Canvas

    from voucher.documents import carnet_pdf as L
    from voucher.documents.fonts import MONO, SANS, SANS_BOLD, ensure_fonts
    from voucher.domain import codes
    from voucher.domain.printing import ACCEPTED_ONLY, voucher_label

    ensure_fonts()
    all_codes = [[codes.generate() for _ in range(10)] for _ in range(books)]
    start = time.perf_counter()
    sink = CountingSink()
    for first in range(0, books, 500):
        canvas = Canvas(sink, pagesize=L.A4, pageCompression=1)  # type: ignore[arg-type]
        for b in range(first, min(books, first + 500)):
            canvas.setFont(SANS_BOLD, 24)
            canvas.drawString(62, 750, "Votre carnet de pass numériques")
            canvas.setFont(SANS, 14)
            for i, line in enumerate(
                (
                    "À quoi sert ce carnet ?",
                    "Comment l'utiliser ?",
                    "Où aller ?",
                    "Jusqu'à quand ?",
                    "Qui paie ?",
                    "Un problème ?",
                )
                * 3
            ):
                canvas.drawString(62, 650 - 24 * i, line)
            canvas.drawString(80, 680, f"Carnet n° {b + 1:06d} — 10 chèques de 10,00 €")
            canvas.showPage()
            for page in range(0, 10, L.PER_PAGE):
                for slot, code in enumerate(all_codes[b][page : page + L.PER_PAGE]):
                    x, y = L.cell_origin(slot)
                    top = y + L.CELL_H - L.PAD
                    canvas.setFont(SANS_BOLD, 10)
                    canvas.drawString(x + L.PAD, top - 10, "Pass numérique — programme de test")
                    canvas.setFont(SANS_BOLD, 22)
                    canvas.drawString(x + L.PAD, top - 36, "10,00 €")
                    canvas.setFont(SANS, 8.5)
                    canvas.drawString(x + L.PAD, top - 50, "Valable jusqu'au 31/12/2026")
                    canvas.setFont(SANS_BOLD, 9)
                    canvas.drawString(
                        x + L.PAD, top - 64, voucher_label(page + slot + 1, 10, b + 1)
                    )
                    canvas.setFont(MONO, 13)
                    canvas.drawString(x + L.PAD, top - 82, codes.format_code(code))
                    Code128(
                        code, barWidth=L.barcodes.MODULE, barHeight=L.BAR_HEIGHT, humanReadable=0
                    ).drawOn(canvas, x + L.PAD, y + L.BAR_BOTTOM)
                    canvas.setFont(SANS, 7.5)
                    canvas.drawString(
                        x + L.PAD, y + L.PAD + 11, "Financé par Fondation A et Département B"
                    )
                    canvas.drawString(x + L.PAD, y + L.PAD + 2, ACCEPTED_ONLY)
                canvas.showPage()
        canvas.save()
    return {"seconds": time.perf_counter() - start, "bytes": sink.size, "peak_mb": _peak_mb()}


def _child(args: list[str]) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.pdf", "--child", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


# -- parent ---------------------------------------------------------------------------------
def _database(postgres: bool) -> tuple[str, Any]:
    if not postgres:
        path = Path(tempfile.mkdtemp(prefix="bench_pdf_")) / "bench.sqlite3"
        return f"sqlite:///{path}", lambda: path.unlink(missing_ok=True)
    import psycopg

    name = f"bench_pdf_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")

    def drop() -> None:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name, drop


def setup(url: str, books: list[int]) -> tuple[dict[int, int], int]:
    """A world, one approved batch per size; returns {books: batch id} and the funder id."""
    from tests import factories as f
    from voucher.db.engine import make_engine, unit_of_work
    from voucher.db.migrate import upgrade
    from voucher.services.context import Actor
    from voucher.services.issuance import batches as issuance
    from voucher.services.printing import approval, production

    engine = make_engine(url)
    upgrade(engine)
    batches: dict[int, int] = {}
    with unit_of_work(engine) as s:
        w = f.world(s, books=1, activate=False)
        funder = Actor(label="bench", role="funder", organisation_id=w.funder_a.id)
        for n in sorted(set(books)):
            batch = issuance.issue_batch(
                s, f.ACTOR, programme_id=w.programme.id, prescriber_id=w.prescriber.id, books=n
            )
            proof = production.proof(s, funder, batch.id).write_to(CountingSink())  # type: ignore[arg-type]
            approval.approve_proof(s, funder, batch.id, proof.sha256)
            batches[n] = batch.id
        funder_id = w.funder_a.id
    engine.dispose()
    return batches, funder_id


def audit_ok(url: str) -> bool:
    from sqlalchemy.orm import Session

    from voucher.db.engine import make_engine
    from voucher.services.finance import ledger_audit

    engine = make_engine(url)
    with Session(engine) as s:
        ok = ledger_audit.verify(s).ok
    engine.dispose()
    return ok


def measure(
    books: int, rounds: int, postgres: bool, memory: list[int], single_pdf: list[int]
) -> dict[str, Any]:
    url, cleanup = _database(postgres)
    try:
        batches, funder = setup(url, [books, *memory, *single_pdf])
        runs = []
        for _ in range(rounds):
            base = _child(["baseline", str(books)])
            cand = _child(["candidate", url, str(batches[books]), str(funder), str(PART_BOOKS)])
            runs.append({"baseline": base, "candidate": cand})
        t_base = statistics.median(r["baseline"]["seconds"] for r in runs)
        t_print = statistics.median(r["candidate"]["seconds"] for r in runs)
        flat = {
            n: _child(["candidate", url, str(batches[n]), str(funder), str(PART_BOOKS)])
            for n in memory
        }
        single = {
            n: _child(["candidate", url, str(batches[n]), str(funder), str(10**9)])
            for n in single_pdf
        }
        return {
            "name": "B5",
            "books": books,
            "vouchers": books * 10,
            "rounds": rounds,
            "database": "postgresql" if postgres else "sqlite",
            "t_baseline_s": t_base,
            "t_print_s": t_print,
            "ratio": t_base / t_print,
            "target": 0.7,
            "peak_mb": {
                "baseline": max(r["baseline"]["peak_mb"] for r in runs),
                "candidate": max(r["candidate"]["peak_mb"] for r in runs),
            },
            "memory_by_books": {str(n): m["peak_mb"] for n, m in flat.items()},
            "seconds_by_books": {str(n): m["seconds"] for n, m in flat.items()},
            "single_pdf_memory_by_books": {str(n): m["peak_mb"] for n, m in single.items()},
            "bytes": {
                "baseline": runs[0]["baseline"]["bytes"],
                "candidate": runs[0]["candidate"]["bytes"],
            },
            "nproc": os.cpu_count(),
            "audit_ok": audit_ok(url),
            "runs": runs,
        }
    finally:
        cleanup()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/bench pdf",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--books", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--postgres", action="store_true")
    parser.add_argument(
        "--memory", default="", help="batch sizes whose peak RSS to report, e.g. 100,1000"
    )
    parser.add_argument(
        "--single-pdf",
        default="",
        help="batch sizes to print as ONE PDF (no parts), "
        "to show why parts are needed, e.g. 100,1000",
    )
    parser.add_argument("--out", default="bench-results/pdf.json")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        result = (
            child_baseline(int(rest[0]))
            if kind == "baseline"
            else child_candidate(rest[0], int(rest[1]), int(rest[2]), int(rest[3]))
        )
        print(json.dumps(result))
        return 0
    memory = [int(x) for x in args.memory.split(",") if x.strip()]
    single_pdf = [int(x) for x in args.single_pdf.split(",") if x.strip()]
    result = measure(args.books, args.rounds, args.postgres, memory, single_pdf)
    print(
        f"B5 pdf — {args.books} books ({args.books * 10} vouchers), {args.rounds} rounds, "
        f"{result['database']}, nproc={result['nproc']}"
    )
    print(
        f"  baseline (bare reportlab + its Code128 widget): {result['t_baseline_s']:.2f} s, "
        f"peak {result['peak_mb']['baseline']:.0f} MB"
    )
    print(
        f"  print (service, database, streamed):             {result['t_print_s']:.2f} s, "
        f"peak {result['peak_mb']['candidate']:.0f} MB"
    )
    print(f"  ratio t_baseline / t_print = {result['ratio']:.2f} (target ≥ 0.7)")
    for n, mb in result["memory_by_books"].items():
        print(
            f"  peak RSS printing {int(n):>6} books: {mb:.0f} MB "
            f"({result['seconds_by_books'][n]:.1f} s, parts of {PART_BOOKS} books)"
        )
    for n, mb in result["single_pdf_memory_by_books"].items():
        print(f"  peak RSS printing {int(n):>6} books as one single PDF: {mb:.0f} MB")
    print(f"  ledger audit: {'ok' if result['audit_ok'] else 'BROKEN'}")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"at": datetime.now(UTC).isoformat(), **result}, indent=2))
    print(f"  written {out}")
    return 0 if result["audit_ok"] else 1


def run(scale: dict[str, Any], rounds: int) -> list[Result]:
    from bench.common import Result

    books = scale["pdf_books"]
    memory = [n for n in (books // 10, books) if n > 0]
    r = measure(books, rounds, True, memory, [])
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


if __name__ == "__main__":
    sys.exit(main())
