"""What the fraud rules cost on the redemption path: rules off vs on, in the same run.

    scripts/bench rules [--db sqlite,postgresql] [--scans 200] [--rounds 3] [--clients 1]
                        [--out bench-results/bench-rules.json]

Each database gets a fresh migrated copy with one programme (default thresholds), books
handed out to beneficiaries (so every rule runs its look-ups) and 28 days of counter
history for the structure (so the volume rule computes a real median). Rounds alternate
"core checks only" (``screening.CORE_ONLY``) and "every rule on" (``screening.FULL``), ABAB / BABA, each
on its own Paris day with one voucher per book, so no rule fires and both sides take the
same path; the ratio is rules-on ÷ rules-off scans per second (target: at least 0.5).
The run ends with the ledger audit. Prints one table, writes the figures as JSON.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, func, insert, select

from bench import common
from bench.common import drop_pg, fresh_pg
from tests import factories as f
from voucher.db.engine import make_engine, unit_of_work
from voucher.db.migrate import upgrade
from voucher.db.models import Book, Hold, StructureDayVolume, Voucher
from voucher.domain import calendar
from voucher.domain.errors import DomainError
from voucher.services.context import Actor
from voucher.services.finance import ledger_audit
from voucher.services.issuance import batches, funds, handout
from voucher.services.redemption import redeem, screening

DAY0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
console = Console(width=120)


def build(engine: Engine, books: int) -> tuple[int, list[list[str]]]:
    """Structure id and, per book, its codes in position order."""
    with unit_of_work(engine) as s, calendar.at(DAY0 - timedelta(days=40)):
        w = f.world(s, books=1, fraud_thresholds={})
        batch = batches.issue_batch(
            s, f.ACTOR, programme_id=w.programme.id, prescriber_id=w.prescriber.id, books=books
        )
        for funder in (w.funder_a, w.funder_b):
            funds.record_funds_received(
                s,
                f.ACTOR,
                programme_id=w.programme.id,
                funder_id=funder.id,
                amount_cents=books * 10_000,
                received_on=date(2026, 1, 1),
            )
        batches.activate_batch(s, f.ACTOR, batch.id)
        for n in range(books):
            handout.hand_out(
                s,
                f.ACTOR,
                serial=batch.first_serial + n,
                prescriber_id=w.prescriber.id,
                profile=f.profile(f"bench-{n}"),
                key=f.KEY,
            )
        # 28 days of ordinary activity, so the volume rule has a median to compare with
        s.execute(
            insert(StructureDayVolume),
            [
                {
                    "structure_id": w.structure.id,
                    "day": (DAY0 - timedelta(days=d)).date(),
                    "scans": 5_000,
                }
                for d in range(1, 29)
            ],
        )
        rows = s.execute(
            select(Book.serial, Voucher.code)
            .join(Voucher, Voucher.book_id == Book.id)
            .where(Book.batch_id == batch.id)
            .order_by(Book.serial, Voucher.position)
        ).all()
        by_book: dict[int, list[str]] = {}
        for serial, code in rows:
            by_book.setdefault(serial, []).append(code)
        return w.structure.id, list(by_book.values())


def run_side(
    engine: Engine,
    structure_id: int,
    codes: list[str],
    day: datetime,
    clients: int,
    rules: screening.Screening,
) -> float:
    """Scans per second for ``codes`` (one transaction each), split over ``clients`` threads."""
    share = [codes[i::clients] for i in range(clients)]
    done = [0] * clients

    def client(i: int) -> None:
        actor = Actor(label=f"bench-{i}", user_id=1000 + i)
        for k, code in enumerate(share[i]):
            with calendar.at(day + timedelta(seconds=k)):
                try:
                    with unit_of_work(engine) as s:
                        scan = redeem.Scan(code=code, structure_id=structure_id)
                        redeem.redeem(s, actor, scan, rules)
                    done[i] += 1
                except DomainError:
                    pass

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    began = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(done) / (time.perf_counter() - began)


def bench(url: str, label: str, scans: int, rounds: int, clients: int) -> dict[str, object]:
    engine = make_engine(url)
    upgrade(engine)
    structure_id, books = build(engine, scans)
    off, on, log = [], [], []
    for r in range(rounds):
        order = ("off", "on") if r % 2 == 0 else ("on", "off")
        rates: dict[str, float] = {}
        for k, side in enumerate(order):
            position = 2 * r + k  # one voucher per book per day: no rule fires on either side
            codes = [b[position] for b in books]
            day = DAY0 + timedelta(days=position)
            rules = screening.CORE_ONLY if side == "off" else screening.FULL
            rates[side] = run_side(engine, structure_id, codes, day, clients, rules)
        off.append(rates["off"])
        on.append(rates["on"])
        log.append(
            {
                "off": round(rates["off"], 1),
                "on": round(rates["on"], 1),
                "ratio": round(rates["on"] / rates["off"], 3),
            }
        )
    with unit_of_work(engine) as s:
        audit_ok = ledger_audit.verify(s).ok
        holds = int(s.scalar(select(func.count()).select_from(Hold)) or 0)
        server = (
            s.connection()
            .exec_driver_sql(
                "SHOW server_version"
                if engine.dialect.name == "postgresql"
                else "SELECT sqlite_version()"
            )
            .scalar()
        )
    engine.dispose()
    ratios = [x["ratio"] for x in log]
    return {
        "db": label,
        "server_version": server,
        "scans_per_side": scans,
        "rounds": rounds,
        "clients": clients,
        "rules_off_per_s": statistics.median(off),
        "rules_on_per_s": statistics.median(on),
        "ratio": statistics.median(ratios),
        "target": 0.5,
        "holds": holds,
        "audit_ok": audit_ok,
        "per_round": log,
    }


def _pg(scans: int, rounds: int, clients: int) -> dict[str, object]:
    name, url = fresh_pg("rules")
    try:
        return bench(url, "postgresql", scans, rounds, clients)
    finally:
        drop_pg(name)


def _sqlite(scans: int, rounds: int, clients: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp:
        return bench(f"sqlite:///{tmp}/bench.sqlite3", "sqlite", scans, rounds, clients)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="scripts/bench rules",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument("--db", default="sqlite,postgresql")
    ap.add_argument("--scans", type=int, default=200, help="scans per side and round")
    ap.add_argument(
        "--rounds", type=int, default=3, help="at most 5 (one voucher per book per side)"
    )
    ap.add_argument("--clients", type=int, default=1)
    ap.add_argument("--out", default="bench-results/bench-rules.json")
    args = ap.parse_args(argv)
    if not 1 <= args.rounds <= 5:
        ap.error("--rounds must be between 1 and 5")
    runners = {"sqlite": _sqlite, "postgresql": _pg}
    results = []
    for db in args.db.split(","):
        console.print(
            f"[bold]{db}[/] : {args.rounds} rounds × 2 × {args.scans} scans, {args.clients} client(s)…"
        )
        results.append(runners[db](args.scans, args.rounds, args.clients))
    table = Table(title="Coût des règles anti-fraude (scans/s, médianes)")
    for col in ("base", "règles off", "règles on", "ratio on/off", "cible", "retenues", "journal"):
        table.add_column(col)
    for r in results:
        table.add_row(
            str(r["db"]),
            f"{r['rules_off_per_s']:.0f}",
            f"{r['rules_on_per_s']:.0f}",
            f"{r['ratio']:.2f}",
            "≥ 0.50",
            str(r["holds"]),
            "cohérent" if r["audit_ok"] else "INCOHÉRENT",
        )
    console.print(table)
    return common.write_report(args.out, results, console)


if __name__ == "__main__":
    sys.exit(main())
