"""B7 (BENCH.md): the impact export against a plain ``GROUP BY`` of the same dimensions.

    scripts/bench export [--db postgresql,sqlite] [--redemptions 20000] [--rounds 3]
                         [--out bench-results/bench-export.json]
    scripts/bench export --profile [--db postgresql] [--redemptions 5000] [--rounds 10]

Alone it runs on each database given and prints one table (ratio, both medians, scale,
nproc, PostgreSQL version, ledger audit) and writes JSON; in ``scripts/bench`` it is B7
(PostgreSQL, the scale's ``export_redemptions``).

Data: one programme, ``n / 5`` books handed out to as many pseudonymous beneficiaries
(rural and urban, every age band, status and population), about ``n`` accepted scans over
ten Paris months at two structures, with themes and autonomy levels. Books and vouchers are
issued and activated through the services; the hand-outs and scans are bulk-inserted with
one journal entry per structure, so the ledger invariants hold and ``voucher audit`` passes
at the end (the benchmark fails otherwise).

Baseline, same database, same run: for each of the nine dimensions of the export, one
``SELECT key, zone, count(*), count(DISTINCT beneficiary), sum(value) FROM redemption JOIN
... GROUP BY key, zone``. Candidate: the whole export (SQL aggregation, statistical
secrecy with secondary suppression, rural / urban comparison with bootstrap, CSV files
zipped with their README). Rounds alternate; the medians' ratio t_groupby / t_export is
reported (target >= 0.5).

``--profile``: where one export's time goes, on the first database of ``--db``. After one
warm-up, ``--rounds`` exports and as many baselines alternate: CPU per operation, client
and server (:mod:`bench.cpu`), then the client's call tree of the exports (pyinstrument,
wall time of this thread: waits on the database show as the driver's ``wait``).
"""

from __future__ import annotations

import argparse
import io
import json
import random
import secrets
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from sqlalchemy import Engine, String, cast, distinct, func, insert, select, update
from sqlalchemy.orm import Session

from bench import cpu
from bench.common import Result, alternate, audit, drop_pg, fresh_pg, machine
from voucher.db.engine import make_engine, unit_of_work
from voucher.db.migrate import upgrade
from voucher.domain import ledger, vocab
from voucher.services.issuance import funds
from voucher.services.programmes import programmes, zones

AGES = [a for a in vocab.AGE_BANDS if a != "non_communique"]


def build(engine: Engine, redemptions: int, seed: int = 7) -> None:
    from tests import factories as f
    from voucher.db.models import Beneficiary, Book, Redemption, Voucher
    from voucher.domain.calendar import at
    from voucher.services.finance import journal
    from voucher.services.issuance import batches
    from voucher.services.organisations import organisations

    rng = random.Random(seed)
    books = max(20, redemptions // 5)
    with unit_of_work(engine) as s, at(datetime(2026, 1, 5, 9, tzinfo=UTC)):
        w = f.world(s, books=1)
        rural = organisations.create_organisation(
            s,
            f.ACTOR,
            name="Lieu rural bench",
            siret=f.siret(),
            address=f.address(),
            commune_insee="86165",
            density_class=3,
            roles={"structure"},
        )
        zone = zones.create_zone(
            s, f.ACTOR, name="Zone bench", kind="rural", communes=[("86165", "M", 3)]
        )
        programmes.write_acceptance(s, w.programme.id, [zone.id], [], [])
        # a batch holds at most 100,000 books: the full scale's 200,000 come in parts
        parts = -(-books // batches.MAX_BOOKS)
        issued = [
            batches.issue_batch(
                s,
                f.ACTOR,
                programme_id=w.programme.id,
                prescriber_id=w.prescriber.id,
                books=books // parts + (i < books % parts),
            )
            for i in range(parts)
        ]
        for funder in (w.funder_a, w.funder_b):
            funds.record_funds_received(
                s,
                f.ACTOR,
                programme_id=w.programme.id,
                funder_id=funder.id,
                amount_cents=books * 10_000,
                received_on=datetime(2026, 1, 5).date(),
            )
        for i, batch in enumerate(issued):
            batches.activate_batch(s, f.ACTOR, batch.id)
            _people(s, rng, w, batch.id, Beneficiary, Book, Voucher)
            share = redemptions // parts + (i < redemptions % parts)
            _scans(s, rng, w, rural.id, batch.id, share, Redemption, Book, Voucher, journal)


def _people(
    s: Session, rng: random.Random, w: Any, batch_id: int, Beneficiary: Any, Book: Any, Voucher: Any
) -> None:
    book_ids = list(s.scalars(select(Book.id).where(Book.batch_id == batch_id).order_by(Book.id)))
    now = datetime(2026, 1, 10, tzinfo=UTC)
    people = []
    for _ in book_ids:
        dens = rng.choice([1, 2, 3, 3])
        people.append(
            {
                "prescriber_id": w.prescriber.id,
                "pseudonym": secrets.token_hex(32),
                "population": rng.choice(list(vocab.POPULATIONS)),
                "age_band": rng.choice(AGES),
                "social_status": rng.choice(list(vocab.STATUSES)),
                "commune_insee": "86165" if dens == 3 else "86194",
                "density_class": dens,
                "zone_kind": vocab.DENSITY_TO_KIND[dens],
                "consent": True,
                "created_at": now,
            }
        )
    s.execute(insert(Beneficiary), people)
    ids = list(
        s.scalars(
            select(Beneficiary.id)
            .where(Beneficiary.prescriber_id == w.prescriber.id)
            .order_by(Beneficiary.id)
        )
    )[-len(book_ids) :]
    s.execute(
        update(Book),
        [
            {
                "id": b,
                "beneficiary_id": p,
                "status": "handed_out",
                "handed_out_at": now
                + timedelta(days=rng.randint(0, 120), hours=rng.randint(8, 17)),
            }
            for b, p in zip(book_ids, ids, strict=True)
        ],
    )
    s.execute(
        update(Voucher)
        .where(Voucher.book_id.in_(select(Book.id).where(Book.batch_id == batch_id)))
        .values(state="distributed")
    )


def _scans(
    s: Session,
    rng: random.Random,
    w: Any,
    rural_id: int,
    batch_id: int,
    target: int,
    Redemption: Any,
    Book: Any,
    Voucher: Any,
    journal: Any,
) -> None:
    rows = s.execute(
        select(
            Voucher.id, Voucher.book_id, Voucher.position, Book.beneficiary_id, Book.handed_out_at
        )
        .join(Book, Book.id == Voucher.book_id)
        .where(Book.batch_id == batch_id)
        .order_by(Voucher.book_id, Voucher.position)
    ).all()
    per_book = target / max(1, len({r.book_id for r in rows}))
    uses: dict[int, int] = {}
    chosen = []
    for r in rows:
        k = uses.setdefault(r.book_id, min(10, max(0, round(rng.gauss(per_book, 2.5)))))
        if r.position <= k:
            chosen.append(r)
    structures = {w.structure.id: 0, rural_id: 0}
    plan = []
    for r in chosen:
        sid = rng.choice(list(structures))
        structures[sid] += 1000
        plan.append((r, sid))
    entries = {
        sid: journal.post(
            s,
            "redemption.bench",
            ledger.move(
                value, ledger.outstanding(w.programme.id, w.prescriber.id), ledger.payable(sid)
            ),
        )
        for sid, value in structures.items()
        if value
    }
    themes, levels = list(vocab.THEMES)[:8], list(vocab.AUTONOMY)
    batch = []
    for r, sid in plan:
        when = r.handed_out_at + timedelta(
            days=3 + 7 * r.position + rng.randint(0, 5), hours=rng.randint(0, 6)
        )
        batch.append(
            {
                "voucher_id": r.id,
                "structure_id": sid,
                "programme_id": w.programme.id,
                "book_id": r.book_id,
                "beneficiary_id": r.beneficiary_id,
                "prescriber_id": w.prescriber.id,
                "status": "accepted",
                "face_value_cents": 1000,
                "scanned_at": when,
                "recorded_at": when,
                "theme": rng.choice(themes),
                "autonomy": levels[min(2, r.position // 4 + rng.randint(0, 1))],
                "prior_state": "distributed",
                "verdicts": [],
                "entry_id": entries[sid],
            }
        )
        if len(batch) == 20_000:
            s.execute(insert(Redemption), batch)
            batch = []
    if batch:
        s.execute(insert(Redemption), batch)
    s.execute(
        update(Voucher)
        .where(Voucher.id.in_(select(Redemption.voucher_id)))
        .values(state="redeemed")
    )


def group_by_all(engine: Engine) -> None:
    """The baseline: one plain GROUP BY per dimension of the export."""
    from voucher.db.models import Beneficiary as BEN
    from voucher.db.models import PilotZoneCommune, ProgrammeFunder
    from voucher.db.models import Redemption as R
    from voucher.services.impact.aggregates import ParisTime
    from voucher.services.impact.counts import years_for

    with Session(engine) as s:
        t = ParisTime(engine.dialect.name, years_for(s, None))
        zone = func.coalesce(BEN.zone_kind, "non_renseigne")
        keys = {
            "dispositif": (cast(R.programme_id, String), None),
            "financeur": (cast(ProgrammeFunder.funder_id, String), ProgrammeFunder),
            "zone_pilote": (cast(PilotZoneCommune.zone_id, String), PilotZoneCommune),
            "population": (BEN.population, None),
            "tranche_age": (BEN.age_band, None),
            "statut_social": (BEN.social_status, None),
            "thematique": (R.theme, None),
            "lieu": (cast(R.structure_id, String), None),
            "mois": (t.month(R.scanned_at), None),
        }
        for key, joined in keys.values():
            q = (
                select(
                    key,
                    zone,
                    func.count(),
                    func.count(distinct(R.beneficiary_id)),
                    func.sum(R.face_value_cents),
                )
                .select_from(R)
                .outerjoin(BEN, BEN.id == R.beneficiary_id)
                .where(R.status == "accepted")
            )
            if joined is ProgrammeFunder:
                q = q.join(ProgrammeFunder, ProgrammeFunder.programme_id == R.programme_id)
            elif joined is PilotZoneCommune:
                q = q.outerjoin(PilotZoneCommune, PilotZoneCommune.insee_code == BEN.commune_insee)
            s.execute(q.group_by(key, zone)).all()


def export_all(engine: Engine) -> None:
    from tests import factories as f
    from voucher.services.impact import counts, export

    with Session(engine) as s:
        report = export.build_report(s, counts.EVERYTHING)
        export.export(s, report, "csv", io.BytesIO(), release=1)
        export.audited(s, f.ACTOR, report, "csv", 1)  # as the job records it
        s.rollback()


def measure(url: str, redemptions: int, rounds: int, label: str) -> Result:
    engine = make_engine(url)
    upgrade(engine)
    build(engine, redemptions)
    export_all(engine)  # warm caches and imports once, untimed
    db = url.rsplit("/", 1)[1] if url.startswith("postgresql") else None
    cpu_log: tuple[list[Any], list[Any]] = ([], [])
    t_base, t_export, log = alternate(
        rounds,
        lambda _i: cpu.timed_cpu(db, lambda: group_by_all(engine), cpu_log[0]),
        lambda _i: cpu.timed_cpu(db, lambda: export_all(engine), cpu_log[1]),
    )
    engine.dispose()
    ok = audit(url)
    return Result(
        "B7",
        f"impact export ({label}) vs plain GROUP BY of its 9 dimensions",
        "GROUP BY s",
        "export s",
        t_base,
        t_export,
        "s",
        t_base / t_export,
        0.5,
        f"{redemptions} redemptions",
        1,
        ok,
        rounds=log,
        cpu=cpu.summary(*cpu_log, mean=True),
    )


def profile(url: str, redemptions: int, rounds: int) -> None:
    """Print the CPU per export and per baseline, then the exports' call tree."""
    from pyinstrument import Profiler

    engine = make_engine(url)
    upgrade(engine)
    build(engine, redemptions)
    export_all(engine)  # warm caches and imports once, untimed
    db = url.rsplit("/", 1)[1] if url.startswith("postgresql") else None
    logs: tuple[list[Any], list[Any]] = ([], [])
    for _ in range(rounds):
        cpu.timed_cpu(db, lambda: group_by_all(engine), logs[0])
        cpu.timed_cpu(db, lambda: export_all(engine), logs[1])
    figures = cpu.summary(*logs, mean=True)
    print(f"{engine.dialect.name}, {redemptions} redemptions, {rounds} rounds, CPU ms (mean):")
    for side in ("baseline", "candidate"):
        print(f"  {side:9}  {figures[side]}")
    print(f"  export ÷ GROUP BY: ×{figures['cpu_ratio']:.2f}")
    profiler = Profiler(interval=0.0005)
    profiler.start()
    for _ in range(rounds):
        export_all(engine)
    profiler.stop()
    print(profiler.output_text(unicode=False, color=False))
    engine.dispose()


def run(scale: dict[str, Any], rounds: int) -> list[Result]:
    name, url = fresh_pg("export")
    try:
        return [measure(url, scale["export_redemptions"], rounds, "PostgreSQL")]
    finally:
        drop_pg(name)


def _measure_on(backend: str, redemptions: int, rounds: int) -> Result:
    if backend == "postgresql":
        return run({"export_redemptions": redemptions}, rounds)[0]
    with tempfile.TemporaryDirectory() as tmp:
        return measure(f"sqlite:///{tmp}/bench.sqlite3", redemptions, rounds, "SQLite")


def _profile_on(backend: str, redemptions: int, rounds: int) -> None:
    if backend == "postgresql":
        name, url = fresh_pg("export")
        try:
            profile(url, redemptions, rounds)
        finally:
            drop_pg(name)
        return
    with tempfile.TemporaryDirectory() as tmp:
        profile(f"sqlite:///{tmp}/bench.sqlite3", redemptions, rounds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="scripts/bench export",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--db", default="postgresql,sqlite")
    parser.add_argument("--redemptions", type=int, default=20_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--out", default="bench-results/bench-export.json")
    parser.add_argument("--profile", action="store_true", help="CPU and call tree, no table")
    args = parser.parse_args(argv)
    backends = [b.strip() for b in args.db.split(",") if b.strip()]
    if args.profile:
        _profile_on(backends[0], args.redemptions, args.rounds)
        return 0
    results = [_measure_on(b, args.redemptions, args.rounds) for b in backends]
    facts = machine()
    table = Table(
        title=f"B7 export ({args.rounds} rounds, nproc={facts['nproc']}, PostgreSQL {facts.get('postgresql')})"
    )
    columns = ("what", "GROUP BY (s)", "export (s)", "ratio", "target", "scale", "CPU ms", "audit")
    for col in columns:
        table.add_column(col)
    for r in results:
        base, cand = r.cpu["baseline"], r.cpu["candidate"]
        table.add_row(
            r.what,
            f"{r.baseline:.3f}",
            f"{r.candidate:.3f}",
            f"{r.ratio:.2f}",
            f"≥ {r.target}",
            r.scale,
            f"{base['total_ms']:.0f} → {cand['total_ms']:.0f}",
            "ok" if r.audit_ok else "BROKEN",
        )
    Console().print(table)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "at": datetime.now(UTC).isoformat(),
                "machine": facts,
                "results": [r.as_dict() for r in results],
            },
            indent=2,
        )
    )
    print(f"Written {out}")
    return 0 if all(r.audit_ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
