"""Finance users at once on funders' documents, on a real committed database: invoices of
several batches issued together are numbered without gap or duplicate, the same batch
is invoiced once, and two payments racing for the last euros of an invoice never overpay
it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import func, select

from tests import factories as f
from voucher.db.engine import unit_of_work
from voucher.db.models import FunderDocument, FundsReceived
from voucher.domain.errors import DomainError
from voucher.services.context import SYSTEM
from voucher.services.finance import funder_invoices, ledger_audit
from voucher.services.issuance import batches, funds


def race(engine, *jobs: Callable[[Any], Any]) -> list[Any]:
    """Each job in its own thread and transaction, started together; results or errors."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def work(i: int, job: Callable[[Any], Any]) -> None:
        barrier.wait()
        try:
            with unit_of_work(engine) as s:
                results[i] = job(s)
        except Exception as exc:  # noqa: BLE001 - inspected by the caller
            results[i] = exc

    threads = [threading.Thread(target=work, args=(i, j)) for i, j in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    return results


def invoice(batch_id: int) -> Callable[[Any], Any]:
    return lambda s: [d.number for d in funder_invoices.issue(s, SYSTEM, batch_id, "invoice")]


def test_invoices_issued_together_skip_and_duplicate_no_number(fresh_engine):
    with unit_of_work(fresh_engine) as s:
        w = f.world(s, books=1, activate=False)
        ids = [w.batch.id] + [
            batches.issue_batch(
                s, SYSTEM, programme_id=w.programme.id, prescriber_id=w.prescriber.id, books=1
            ).id
            for _ in range(3)
        ]
    results = race(fresh_engine, *[invoice(i) for i in ids], invoice(ids[0]))
    assert not any(isinstance(r, Exception) for r in results), results
    assert sorted(len(r) for r in results) == [0, 2, 2, 2, 2]  # the same batch: once
    with unit_of_work(fresh_engine) as s:
        seqs = list(s.scalars(select(FunderDocument.seq).order_by(FunderDocument.seq)))
        assert seqs == list(range(1, 9))


def test_two_payments_racing_for_the_rest_of_an_invoice_never_overpay_it(fresh_engine):
    with unit_of_work(fresh_engine) as s:
        w = f.world(s, books=3, activate=False)
        doc = funder_invoices.issue(s, SYSTEM, w.batch.id, "invoice")[0]
        number, programme, funder = doc.number, w.programme.id, doc.funder_id

    def pay(s):
        return funds.record_funds_received(
            s,
            SYSTEM,
            programme_id=programme,
            funder_id=funder,
            amount_cents=10_000,
            received_on=date(2026, 1, 5),
            invoice_number=number,
        ).id

    results = race(fresh_engine, pay, pay)
    refused = [r for r in results if isinstance(r, DomainError)]
    assert [r.code for r in refused] == ["invoice_overpaid"], results
    with unit_of_work(fresh_engine) as s:
        paid = s.scalar(select(func.sum(FundsReceived.amount_cents)))
        assert paid == 10_000 and ledger_audit.verify(s).ok
