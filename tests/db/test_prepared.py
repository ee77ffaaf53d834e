"""Statements run on SQLite's cursor (voucher.db.prepared) answer what SQLAlchemy answers:
the same rows with the same Python types (dates, aware UTC datetimes, JSON, booleans), the
same parameter conversions, every statement seen by the connection's cursor listeners,
driver errors raised as SQLAlchemy's, inside the session's transaction and savepoints."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import event, func, select, text
from sqlalchemy.exc import IntegrityError

from tests import factories as f
from tests.adversary.test_one_statement_scan import DESK, handed_out_code, second_of_book
from voucher.db import dialect, prepared
from voucher.db.models import Redemption, Voucher
from voucher.domain.calendar import paris_date, utcnow
from voucher.services.redemption import redeem, rules
from voucher.services.redemption import scan_statements as sql


def scanned_world(session: Any) -> tuple[Any, str]:
    """A world where one voucher of a book was scanned and the next one is not yet."""
    w = f.world(session)
    return w, second_of_book(session, handed_out_code(session, w), w)


def test_rows_and_types_are_those_sqlalchemy_answers(session):
    w, code = scanned_world(session)
    conn = session.connection()
    facts = dialect.for_update(sql.SCAN_ROW_TO_WRITE, conn, of=sql.VOUCHERS)
    params = {"code": code, "sid": w.structure.id, "today": paris_date(utcnow()), "scan_id": None}
    ours = prepared.first(conn, facts, params)
    theirs = conn.execute(facts, params).first()
    assert ours is not None and tuple(ours) == tuple(theirs)
    assert ours._fields == tuple(theirs._fields)
    assert [type(v) for v in ours] == [type(v) for v in theirs]
    assert ours.valid_until == w.programme.valid_until and ours.labelled is True
    assert ours.outstanding_account is not None and ours.payable_account is not None
    start, end = rules.day_bounds(utcnow())
    book = {
        "book": ours.book_id,
        "ben": ours.beneficiary_id,
        "start": start,
        "end": end,
        "sid": w.structure.id,
        "since": paris_date(utcnow()),
        "today": paris_date(utcnow()),
    }
    mine, sqla = prepared.all(conn, rules._FACTS, book), conn.execute(rules._FACTS, book).all()
    assert [tuple(r) for r in mine] == [tuple(r) for r in sqla] and len(mine) == 3  # b, p, v
    first = next(r for r in mine if r.kind == "b")
    assert first.at.tzinfo is not None  # aware UTC, as UTCDateTime answers


def test_every_statement_is_seen_by_the_cursor_listeners(session):
    if session.get_bind().dialect.name != "sqlite":
        pytest.skip("elsewhere statements go through Connection.execute (its own events)")
    w, code = scanned_world(session)
    seen: Counter[str] = Counter()

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen[statement.split()[0].upper()] += 1

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", count)
    try:
        redeem.redeem(session, DESK, redeem.Scan(code=code, structure_id=w.structure.id))
    finally:
        event.remove(engine, "before_cursor_execute", count)
    # the facts, the rules' facts; the voucher, the entry, its postings, the redemption,
    # the event, the day counter, the balances
    assert seen == {"SELECT": 2, "UPDATE": 2, "INSERT": 5}, seen
    taken = session.scalar(select(Voucher.state).where(Voucher.code == code))
    assert taken == "redeemed"


def test_a_driver_error_is_sqlalchemys_and_the_savepoint_rolls_it_back(session):
    w, code = scanned_world(session)
    before = session.scalar(select(func.count()).select_from(Redemption))
    duplicate = text(
        "INSERT INTO redemption (id, voucher_id, structure_id, programme_id, book_id, "
        "prescriber_id, status, face_value_cents, scanned_at, recorded_at, prior_state, "
        "verdicts) SELECT id, voucher_id, structure_id, programme_id, book_id, prescriber_id, "
        "status, face_value_cents, scanned_at, recorded_at, prior_state, verdicts "
        "FROM redemption WHERE id = :rid"
    )
    rid = session.scalar(select(func.min(Redemption.id)))
    with pytest.raises(IntegrityError), session.begin_nested():
        prepared.changed(session.connection(), duplicate, {"rid": rid})
    assert session.scalar(select(func.count()).select_from(Redemption)) == before
    done = redeem.redeem(session, DESK, redeem.Scan(code=code, structure_id=w.structure.id))
    assert done.status == "accepted"


def test_an_expanding_in_is_refused_on_sqlite(session):
    conn = session.connection()
    stmt = select(Voucher.id).where(Voucher.state.in_(["active", "distributed"]))
    if conn.dialect.name != "sqlite":
        assert prepared.all(conn, stmt, {}) == list(conn.execute(stmt).all())
        return
    with pytest.raises(ValueError, match="expanding"):
        prepared.all(conn, stmt, {})
