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
from voucher.db import dialect, prepared, sqlite_values
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
    # the facts with the rules' facts; the voucher, the entry, its postings, the
    # redemption, the event, the day counter, the balances
    assert seen == {"SELECT": 1, "UPDATE": 2, "INSERT": 5}, seen
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


def test_dates_and_utc_times_are_converted_as_sqlalchemy_converts_them(session):
    """The one-call conversions of SQLite's dates and UTC times (parameters and results)
    give what SQLAlchemy's own conversions give, including microseconds at zero, times
    in another zone, years before 1000 and None, and so does an empty JSON list's, the
    first time and again from the answers they keep (also once they started again); a
    naive time is refused as before."""
    from datetime import UTC, date, datetime, timedelta, timezone

    from sqlalchemy import JSON, Date

    from voucher.db.types import UTCDateTime

    dialect = session.get_bind().dialect
    if dialect.name != "sqlite":
        pytest.skip("the one-call conversions are SQLite's")
    plus2 = timezone(timedelta(hours=2))
    times = [
        datetime(2026, 12, 1, 16, 5, 7, 123456, tzinfo=UTC),
        datetime(2026, 3, 29, 1, 0, tzinfo=UTC),
        datetime(2026, 7, 1, 0, 30, 0, 1, tzinfo=plus2),
        datetime(2026, 6, 30, 22, 30, 0, 1, tzinfo=UTC),  # the same instant
        datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC),
        None,
    ]
    utc, day = UTCDateTime(), Date()
    for ours, theirs in (
        (prepared._bind_conversion(utc, utc._cached_bind_processor(dialect), dialect), utc),
        (prepared._bind_conversion(day, day._cached_bind_processor(dialect), dialect), day),
    ):
        values = times if theirs is utc else [date(2026, 12, 1), date(999, 1, 2), None]
        slow = theirs._cached_bind_processor(dialect)
        assert ours is not slow
        assert [ours(v) for v in values * 2] == [slow(v) for v in values * 2]
    read = prepared._result_conversion(utc, utc._cached_result_processor(dialect, None), dialect)
    slow_read = utc._cached_result_processor(dialect, None)
    stored = [utc._cached_bind_processor(dialect)(t) for t in times]
    assert [read(v) for v in stored * 2] == [slow_read(v) for v in stored * 2]
    assert read(stored[0]) == times[0] and read(stored[0]).tzinfo is not None
    read_day = prepared._result_conversion(
        day, day._cached_result_processor(dialect, None), dialect
    )
    days = ["2026-12-01", "0999-01-02", None]
    assert [read_day(v) for v in days * 2] == [date(2026, 12, 1), date(999, 1, 2), None] * 2
    many = [date(2000, 1, 1) + timedelta(days=i) for i in range(sqlite_values.KEPT + 10)]
    assert [read_day(d.isoformat()) for d in many] == many  # past the answers kept
    doc = JSON()
    slow_doc = doc._cached_bind_processor(dialect)
    ours_doc = prepared._bind_conversion(doc, slow_doc, dialect)
    documents = [[], {}, {"voucher_id": 1, "rules": []}, [{"rule": "x"}], None]
    documents += [{"a": 1.5, "b": [1, None, True, "été"]}, ["x", {"y": float("inf")}]]
    assert ours_doc is not slow_doc
    assert [ours_doc(v) for v in documents] == [slow_doc(v) for v in documents]
    read_doc = prepared._result_conversion(
        doc, doc._cached_result_processor(dialect, None), dialect
    )
    slow_read_doc = doc._cached_result_processor(dialect, None)
    texts = ['{"a": [1, 2.5, null, "\\u00e9t\\u00e9"]}', "[]", ' {"a": 1} ', "3", None]
    assert [read_doc(t) for t in texts] == [slow_read_doc(t) for t in texts]
    for bad in ('{"a": 1} x', "{", ""):
        with pytest.raises(ValueError):
            read_doc(bad)
    with pytest.raises(ValueError, match="naive"):
        prepared._bind_conversion(utc, utc._cached_bind_processor(dialect), dialect)(
            datetime(2026, 12, 1)
        )
