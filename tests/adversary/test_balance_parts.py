"""Shared balances in parts (``account_part``, migration 0039): the auditor's and the busy
programme's tests.

* someone who changes one part of a balance by hand (or adds one) is named by the audit,
  on both databases, like someone who changes the account's row;
* eight desks scanning one programme's vouchers at once on PostgreSQL (threads, one
  connection each) move their balances in several parts, the account rows stay as the
  activation left them, and every account's row plus its parts equals its postings: the
  audit is green and :func:`journal.balance` reads the sum.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from sqlalchemy import func, select, text

from tests import factories as f
from voucher.db.engine import unit_of_work
from voucher.db.models import Account, AccountPart, Book, Posting, Voucher
from voucher.domain import ledger
from voucher.domain.errors import DomainError
from voucher.services.context import Actor
from voucher.services.finance import journal, ledger_audit
from voucher.services.issuance import handout
from voucher.services.redemption import redeem

DESKS = 8


def _world(engine: Any, books: int = 1) -> tuple[Any, list[str]]:
    """A programme whose books are all handed out (a scan of them raises no flag, so it is
    written by the one statement) and their codes."""
    with unit_of_work(engine) as s:
        w = f.world(s, books=books)
        for serial in s.scalars(select(Book.serial).where(Book.batch_id == w.batch.id)).all():
            handout.hand_out(
                s, f.ACTOR, serial=serial, prescriber_id=w.prescriber.id,
                profile=f.profile(f"parts-{serial}"), key=f.KEY,
            )  # fmt: skip
        codes = [
            str(c)
            for c in s.scalars(select(Voucher.code).join(Book).where(Book.batch_id == w.batch.id))
        ]
        return w, codes


def _scan(engine: Any, structure_id: int, code: str, who: int) -> str:
    try:
        with unit_of_work(engine) as s:
            return redeem.redeem(
                s,
                Actor(label=f"desk{who}", user_id=who),
                redeem.Scan(code=code, structure_id=structure_id),
            ).status
    except DomainError as exc:
        return exc.code


_TAMPER = text(
    "INSERT INTO account_part (account_id, part, balance) VALUES (:a, 0, 1) "
    "ON CONFLICT (account_id, part) DO UPDATE SET balance = account_part.balance + 1"
)


def test_the_audit_names_the_account_of_a_part_changed_by_hand(fresh_engine):
    w, codes = _world(fresh_engine)
    assert _scan(fresh_engine, w.structure.id, codes[0], 1) == "accepted"
    outstanding = ledger.outstanding(w.programme.id, w.prescriber.id)
    with unit_of_work(fresh_engine) as s:
        assert ledger_audit.verify(s).ok
        account_id = s.scalar(select(Account.id).where(Account.code == outstanding))
        before = journal.balance(s, outstanding)
        s.execute(_TAMPER, {"a": account_id})  # one cent more in a part (a new one on SQLite)
    with unit_of_work(fresh_engine) as s:
        assert journal.balance(s, outstanding) == before + 1
        report = ledger_audit.verify(s)
    assert not report.ok
    assert ("account_balance", outstanding) in [(p.check, p.account) for p in report.problems]
    assert {p.account for p in report.problems} == {outstanding}  # also against the vouchers
    assert "parts" in report.problems[0].message


def test_cents_moved_between_a_row_and_its_parts_change_no_balance(fresh_engine):
    """The balance is the sum: moving cents from the row to a part keeps it, and the audit
    (which checks that sum) stays green; only a change of the sum is a tampering."""
    w, codes = _world(fresh_engine)
    assert _scan(fresh_engine, w.structure.id, codes[0], 1) == "accepted"
    payable = ledger.payable(w.structure.id)
    with unit_of_work(fresh_engine) as s:
        before = journal.balances(s)
        account_id = s.scalar(select(Account.id).where(Account.code == payable))
        s.execute(_TAMPER, {"a": account_id})
        s.execute(text("UPDATE account SET balance = balance - 1 WHERE id = :a"), {"a": account_id})
    with unit_of_work(fresh_engine) as s:
        assert journal.balances(s) == before
        assert ledger_audit.verify(s).ok


def test_eight_desks_at_once_move_parts_that_sum_to_the_postings(fresh_engine, backend):
    if backend != "postgresql":
        pytest.skip("SQLite has one writer and no parts: its scans move the account rows")
    w, codes = _world(fresh_engine, books=4)
    outstanding = ledger.outstanding(w.programme.id, w.prescriber.id)
    with unit_of_work(fresh_engine) as s:
        rows_before = dict(s.execute(select(Account.code, Account.balance)).all())
    barrier = threading.Barrier(DESKS)
    results: list[str] = []
    lock = threading.Lock()

    def desk(k: int) -> None:
        barrier.wait()
        mine = [_scan(fresh_engine, w.structure.id, c, k) for c in codes[k::DESKS]]
        with lock:
            results.extend(mine)

    threads = [threading.Thread(target=desk, args=(k,)) for k in range(DESKS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert Counter(results) == Counter({"accepted": len(codes)})
    with unit_of_work(fresh_engine) as s:
        postings = dict(
            s.execute(
                select(Account.code, func.sum(Posting.amount))
                .join(Posting, Posting.account_id == Account.id)
                .group_by(Account.code)
            ).all()
        )
        balances = journal.balances(s)
        assert {c: b for c, b in balances.items() if b or c in postings} == {
            c: int(v) for c, v in postings.items()
        }
        assert balances[outstanding] == journal.balance(s, outstanding)
        # the scans moved parts, not the account rows, and more than one part of the shared one
        assert dict(s.execute(select(Account.code, Account.balance)).all()) == {
            **rows_before,
            **{c: 0 for c in balances if c not in rows_before},
        }
        parts = s.scalar(
            select(func.count())
            .select_from(AccountPart)
            .join(Account, Account.id == AccountPart.account_id)
            .where(Account.code == outstanding)
        )
        assert parts and parts > 1
        assert ledger_audit.verify(s).ok
