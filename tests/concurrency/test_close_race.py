"""Two finance users at once, on a real committed database: closing the same month gives
one set of statements (the second gets the first's result), closing two months at once
skips and duplicates no number, and two payment runs never pay a statement twice."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import func, select

from tests.services.finance import finance_world as fw
from tests.services.finance.test_payments import DEBTOR
from voucher.db.engine import unit_of_work
from voucher.db.models import PaymentTransfer, Redemption, Statement
from voucher.domain import calendar
from voucher.domain.finance import Period
from voucher.services.context import SYSTEM
from voucher.services.finance import close as month_close
from voucher.services.finance import ledger_audit, payments


def race(engine, *jobs: Callable[[Any], Any]) -> list[Any]:
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)

    def work(i: int, job: Callable[[Any], Any]) -> None:
        barrier.wait()
        try:
            with calendar.at(fw.paris(2026, 12, 2)), unit_of_work(engine) as s:
                results[i] = job(s)
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            results[i] = exc

    threads = [threading.Thread(target=work, args=(i, j)) for i, j in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert not any(isinstance(r, Exception) for r in results), results
    return results


def seed(engine, structures: int = 6) -> None:
    with unit_of_work(engine) as s:
        w = fw.world(s, structures=structures, books=4)
        for i in range(structures):
            fw.scan(s, w, fw.paris(2026, 10, 5 + i), structure=i)
            fw.scan(s, w, fw.paris(2026, 11, 5 + i), structure=i)


def close(period: Period) -> Callable[[Any], Any]:
    return lambda s: month_close.close_month(s, SYSTEM, period)


def test_two_closes_of_the_same_month_at_once_give_one_set_of_statements(fresh_engine):
    seed(fresh_engine)
    a, b = race(fresh_engine, close(Period(2026, 10)), close(Period(2026, 10)))
    assert sorted([len(a.created), len(b.created)]) == [0, 6]
    assert [s.number for s in a.statements] == [s.number for s in b.statements]
    with unit_of_work(fresh_engine) as s:
        assert list(s.scalars(select(Statement.seq).order_by(Statement.seq))) == list(range(1, 7))
        assert ledger_audit.verify(s).ok


def test_closing_two_months_at_once_skips_and_duplicates_no_number(fresh_engine):
    seed(fresh_engine)
    race(fresh_engine, close(Period(2026, 10)), close(Period(2026, 11)))
    with unit_of_work(fresh_engine) as s:
        seqs = list(s.scalars(select(Statement.seq).order_by(Statement.seq)))
        assert seqs == list(range(1, len(seqs) + 1)) and len(seqs) in (6, 12)
        assert (
            s.scalar(
                select(func.count())
                .select_from(Redemption)
                .where(Redemption.statement_id.is_(None))
            )
            == 0
        )
        stated = s.scalar(select(func.sum(Statement.line_count)))
        assert stated == 12


def test_two_payment_runs_at_once_pay_each_statement_once(fresh_engine):
    seed(fresh_engine, structures=4)
    with calendar.at(fw.paris(2026, 12, 1)), unit_of_work(fresh_engine) as s:
        month_close.close_month(s, SYSTEM, Period(2026, 11))

    def pay(s: Any) -> Any:
        return payments.create_run(s, SYSTEM, debtor=DEBTOR, version="pain.001.001.09")

    a, b = race(fresh_engine, pay, pay)
    assert sorted([len(a.included), len(b.included)]) == [0, 4]
    with unit_of_work(fresh_engine) as s:
        assert s.scalar(select(func.count()).select_from(PaymentTransfer)) == 4
        assert ledger_audit.verify(s).ok
