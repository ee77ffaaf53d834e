"""Benchmark data built through the real services (one programme, one prescriber, one
structure, activated books, each handed out to its own beneficiary as in real life: a scan
of a voucher never handed out raises a flag, which real traffic rarely does)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tests import factories as f
from voucher.db.engine import make_engine, unit_of_work
from voucher.db.migrate import upgrade
from voucher.db.models import Book, Voucher
from voucher.services.issuance import batches, funds, handout


def build(url: str, books: int, *, hand_out: bool = True) -> tuple[int, list[str], int, int]:
    """Returns (structure id, codes, programme id, prescriber id)."""
    engine = make_engine(url)
    upgrade(engine)
    with unit_of_work(engine) as s:
        w = f.world(s, books=1)
        batch = batches.issue_batch(
            s, f.ACTOR, programme_id=w.programme.id, prescriber_id=w.prescriber.id, books=books
        )
        total = books * 10 * 1000
        for funder in (w.funder_a, w.funder_b):
            funds.record_funds_received(
                s,
                f.ACTOR,
                programme_id=w.programme.id,
                funder_id=funder.id,
                amount_cents=total,
                received_on=date(2026, 1, 1),
            )
        batches.activate_batch(s, f.ACTOR, batch.id)
        if hand_out:
            for serial in range(batch.first_serial, batch.first_serial + books):
                handout.hand_out(
                    s,
                    f.ACTOR,
                    serial=serial,
                    prescriber_id=w.prescriber.id,
                    profile=f.profile(f"bench-{serial}"),
                    key=f.KEY,
                )
        codes = list(
            s.scalars(
                select(Voucher.code)
                .join(Book)
                .where(Book.batch_id == batch.id)
                .order_by(Voucher.id)
            )
        )
        result = (w.structure.id, codes, w.programme.id, w.prescriber.id)
    engine.dispose()
    return result


def more_structures(url: str, count: int) -> list[int]:
    """``count`` more labelled places: concurrent desks are usually at different places."""
    engine = make_engine(url)
    with unit_of_work(engine) as s:
        ids = [f.structure(s, f"Lieu {n}").id for n in range(count)]
    engine.dispose()
    return ids
