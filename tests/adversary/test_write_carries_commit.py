"""A single scan whose write carries its transaction's ``COMMIT`` (``unit_of_work(...,
last_write_commits=True)``, B1's single scans): the unlucky desk's and the auditor's tests.

* the scan is committed by its write's round trip: two statements, and another
  connection sees the redemption before the unit of work ends (PostgreSQL; SQLite commits
  as it always did);
* a write that fails (a voucher no longer scannable behind the lock) commits nothing of
  its transaction, not even what ran before it: the statement fails, so the ``COMMIT``
  sent with it is skipped by the server;
* a statement run after that commit is refused when the unit of work ends, and what it did
  is rolled back;
* inside a savepoint the write never commits (the savepoint may still be rolled back to);
* a pooled connection whose backend the server ended is replaced at checkout, without
  SQLAlchemy's pre-ping round trip.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import event, func, select, text, update
from sqlalchemy.exc import DBAPIError

from tests import factories as f
from tests.conftest import _pg_admin
from voucher.db.engine import unit_of_work
from voucher.db.models import AuditEvent, Book, Redemption, Voucher
from voucher.domain import ledger
from voucher.domain.calendar import paris_date, utcnow
from voucher.services.context import Actor
from voucher.services.finance import journal, ledger_audit
from voucher.services.issuance import handout
from voucher.services.redemption import redeem, scan_facts, scan_write

DESK = Actor(label="accueil", user_id=77)


def _world(engine: Any) -> tuple[int, list[str], Any]:
    """A structure and the handed-out codes of one book (one scan already made, so the
    accounts exist)."""
    with unit_of_work(engine) as s:
        w = f.world(s)
        serial = s.scalar(
            select(func.min(Book.serial)).where(
                Book.batch_id == w.batch.id, Book.status == "in_stock"
            )
        )
        handout.hand_out(
            s, f.ACTOR, serial=serial, prescriber_id=w.prescriber.id,
            profile=f.profile(f"commit-{serial}"), key=f.KEY,
        )  # fmt: skip
        codes = [
            str(c)
            for c in s.scalars(
                select(Voucher.code)
                .join(Book)
                .where(Book.serial == serial)
                .order_by(Voucher.position)
            )
        ]
        redeem.redeem(s, DESK, redeem.Scan(code=codes[0], structure_id=w.structure.id))
        return w.structure.id, codes[1:], w


def _count(engine: Any, model: Any) -> int:
    with unit_of_work(engine) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def test_the_scan_is_committed_by_its_write(fresh_engine):
    sid, codes, _w = _world(fresh_engine)
    seen: Counter[str] = Counter()

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen[statement.split()[0].upper()] += 1

    postgres = fresh_engine.dialect.name == "postgresql"
    before = _count(fresh_engine, Redemption)
    event.listen(fresh_engine, "before_cursor_execute", count)
    try:
        with unit_of_work(fresh_engine, last_write_commits=True) as s:
            result = redeem.redeem(s, DESK, redeem.Scan(code=codes[0], structure_id=sid))
            if postgres:  # committed already: another connection sees it
                assert _count(fresh_engine, Redemption) == before + 1
    finally:
        event.remove(fresh_engine, "before_cursor_execute", count)
    assert result.status == "accepted"
    if postgres:
        assert seen["WITH"] == 1 and seen["SELECT"] == 1 + 1, seen  # facts; the count above
    assert _count(fresh_engine, Redemption) == before + 1
    with unit_of_work(fresh_engine) as s:
        assert ledger_audit.verify(s).ok


def test_a_failed_write_commits_nothing_of_its_transaction(fresh_engine, backend):
    if backend != "postgresql":
        pytest.skip("the write carries the commit on PostgreSQL only")
    sid, codes, w = _world(fresh_engine)
    before = (_count(fresh_engine, Redemption), _count(fresh_engine, AuditEvent))
    with pytest.raises(DBAPIError, match="not both moved"):
        with unit_of_work(fresh_engine, last_write_commits=True) as s:
            conn = s.connection()
            conn.execute(text("UPDATE voucher SET updated_at = updated_at"))  # written before
            row = conn.execute(
                scan_facts.locking(conn),
                {"code": codes[0], "sid": sid, "today": paris_date(utcnow()), "scan_id": None},
            ).first()
            # another writer took the voucher between the facts and the write
            s.execute(update(Voucher).where(Voucher.id == row.id).values(state="redeemed"))
            s.add(AuditEvent(at=utcnow(), action="test.before", outcome="ok"))
            s.flush()
            lines = ledger.balanced(
                ledger.move(
                    row.face_value_cents,
                    ledger.outstanding(w.programme.id, w.prescriber.id),
                    ledger.payable(sid),
                )
            )
            params = dict(
                journal.entry_fields("redemption.accepted", lines, utcnow(), DESK),
                vid=row.id, new_state="redeemed", now=utcnow(), user_id=77,
                a1=row.outstanding_account, m1=lines[0].amount,
                a2=row.payable_account, m2=lines[1].amount,
                sid=sid, programme_id=w.programme.id, book_id=row.book_id,
                beneficiary_id=row.beneficiary_id, prescriber_id=row.holder_id,
                api_key_id=None, scan_id=None, device=None, status="accepted",
                face_value_cents=row.face_value_cents, scanned_at=utcnow(), theme=None,
                autonomy=None, prior_state="distributed", verdicts=[],
                action="redemption.accepted", actor_label="x", ip=None, details={},
                day=paris_date(utcnow()),
            )  # fmt: skip
            scan_write.write(conn, params, count_day=True, balances=True, commit=True)
    assert (_count(fresh_engine, Redemption), _count(fresh_engine, AuditEvent)) == before
    with unit_of_work(fresh_engine) as s:
        assert s.scalar(select(Voucher.state).where(Voucher.code == codes[0])) == "distributed"
        assert ledger_audit.verify(s).ok


def test_a_statement_after_the_committing_write_is_refused_and_rolled_back(fresh_engine, backend):
    if backend != "postgresql":
        pytest.skip("the write carries the commit on PostgreSQL only")
    sid, codes, _w = _world(fresh_engine)
    before = _count(fresh_engine, AuditEvent)
    with pytest.raises(RuntimeError, match="after the write that committed"):
        with unit_of_work(fresh_engine, last_write_commits=True) as s:
            redeem.redeem(s, DESK, redeem.Scan(code=codes[0], structure_id=sid))
            s.add(AuditEvent(at=utcnow(), action="test.after", outcome="ok"))
            s.flush()
    with unit_of_work(fresh_engine) as s:
        actions = list(s.scalars(select(AuditEvent.action).where(AuditEvent.id > 0)))
    assert "test.after" not in actions
    assert _count(fresh_engine, AuditEvent) == before + 1  # the scan's own event only


def test_inside_a_savepoint_the_write_does_not_commit(fresh_engine):
    sid, codes, _w = _world(fresh_engine)
    before = _count(fresh_engine, Redemption)
    with unit_of_work(fresh_engine, last_write_commits=True) as s:
        nested = s.begin_nested()
        redeem.redeem(s, DESK, redeem.Scan(code=codes[0], structure_id=sid))
        nested.rollback()
    assert _count(fresh_engine, Redemption) == before


def test_a_connection_the_server_ended_is_replaced_at_checkout(fresh_engine, backend):
    if backend != "postgresql":
        pytest.skip("a server that ends connections: PostgreSQL")
    with unit_of_work(fresh_engine) as s:
        pid = s.scalar(text("SELECT pg_backend_pid()"))
    _pg_admin(f"SELECT pg_terminate_backend({int(pid)}, 60000)")  # waits until it is gone
    with unit_of_work(fresh_engine) as s:  # no error: the pool noticed and reconnected
        assert s.scalar(text("SELECT pg_backend_pid()")) != pid
