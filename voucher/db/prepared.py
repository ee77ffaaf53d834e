"""Hot-path statements on SQLite, compiled once per process and run on the driver's cursor.

On SQLite a statement costs a few microseconds in the database and several times that in
SQLAlchemy's execution layer (execution context, parameter dictionaries, result objects).
A statement run here is compiled once per dialect by SQLAlchemy itself (same SQL, same bind
and result conversions: dates, UTC datetimes, JSON, booleans; SQLite's dates and UTC times
in one call each instead of SQLAlchemy's chain of type wrappers, checked against it), then
each execution is one call to the ``sqlite3`` cursor of the connection's current
transaction, with a tuple of parameters, and rows come back as named tuples; a sequence of
writes (:class:`Steps`) shares one cursor and one memo of converted parameters.

Rules kept:

* only on the transaction already begun by :class:`sqlalchemy.Connection` (``BEGIN
  IMMEDIATE``, :mod:`voucher.db.engine`): nothing here begins, commits or rolls back, so
  savepoints and the single-writer guarantee are SQLAlchemy's as before;
* the connection's ``before_cursor_execute`` / ``after_cursor_execute`` listeners still
  see every statement (the web's undeclared-write guard, statement counts in tests and
  profiles; their ``context`` argument is None: there is no execution context), and
  driver errors are raised as SQLAlchemy's (``IntegrityError``,
  ``OperationalError``...), as :meth:`sqlalchemy.Connection.execute` raises them;
* on any other database, :meth:`sqlalchemy.Connection.execute` as usual: callers do not
  look at the dialect;
* statements with expanding ``IN`` parameters are refused (their SQL changes per call).
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping
from operator import itemgetter
from typing import Any, cast

from sqlalchemy import JSON, Connection, Date, DateTime
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement, Executable

from voucher.db import sqlite_values as values
from voucher.db.types import UTCDateTime

Convert = Callable[[Any], Any]


def _bind_conversion(type_: Any, slow: Convert, dialect: Dialect) -> Convert:
    """SQLAlchemy's conversion of a parameter, or the same in one call (SQLite's dates and
    UTC times, the hot path's most converted values, and JSON written by ``json.dumps``;
    ``tests/db/test_prepared.py`` checks both give the same text)."""
    if dialect.name != "sqlite":
        return slow
    if isinstance(type_, UTCDateTime):
        return values.utc_text(slow)
    if isinstance(type_, Date) and not isinstance(type_, DateTime):
        return values.date_text(slow)
    if isinstance(type_, JSON) and getattr(dialect, "_json_serializer", None) is None:
        return values.json_text(slow)
    return slow


def _result_conversion(type_: Any, slow: Convert, dialect: Dialect) -> Convert:
    """SQLAlchemy's conversion of a result column, or the same in one call (SQLite's UTC
    times; JSON read by ``json.loads``), the answers kept (SQLite's UTC times and dates)."""
    if dialect.name != "sqlite":
        return slow
    if isinstance(type_, UTCDateTime):
        return values.utc_time_of(slow)
    if isinstance(type_, Date) and not isinstance(type_, DateTime):
        return values.date_of(slow)
    if isinstance(type_, JSON) and getattr(dialect, "_json_deserializer", None) is None:
        return values.json_of(slow)
    return slow


class Prepared:
    """One statement compiled for one dialect: its SQL, its parameters in order with their
    conversions, and its result columns with theirs."""

    def __init__(self, statement: Executable, dialect: Dialect) -> None:
        compiled: Any = cast(ClauseElement, statement).compile(dialect=dialect)
        if "POSTCOMPILE" in compiled.string:
            raise ValueError("a prepared statement cannot have an expanding IN parameter")
        self.sql: str = compiled.string
        converters = compiled._bind_processors
        names = list(compiled.positiontup or ())
        types = {name: bind.type for bind, name in compiled.bind_names.items()}
        self.binds: tuple[tuple[str, Convert | None], ...] = tuple(
            (name, _bind_conversion(types.get(name), found, dialect) if found else None)
            for name in names
            for found in (converters.get(name),)
        )
        #: ((name, conversion), positions) of the parameters that are converted: a name the
        #: statement uses several times is converted once; the pair is the memo's key
        places: dict[tuple[str, Convert], list[int]] = {}
        for i, (name, convert) in enumerate(self.binds):
            if convert:
                places.setdefault((name, convert), []).append(i)
        self.converted = tuple((key, tuple(at)) for key, at in places.items())
        self.pick: Callable[[Mapping[str, Any]], Any] = (
            itemgetter(*names) if len(names) > 1 else lambda p: tuple(p[n] for n in names)
        )
        columns = compiled._result_columns or []
        self.row: Any = namedtuple("Row", [c.keyname for c in columns])  # type: ignore[misc]
        found = [
            (i, c.type, c.type._cached_result_processor(dialect, None))
            for i, c in enumerate(columns)
        ]
        #: (position, conversion) of the result columns that are converted
        self.results = tuple(
            (i, _result_conversion(t, f, dialect)) for i, t, f in found if f is not None
        )

    def parameters(
        self, params: Mapping[str, Any], memo: dict[Any, Any] | None = None
    ) -> tuple[Any, ...]:
        """The parameters in order, converted; with ``memo``, each value is converted once
        for every statement given the same memo and parameters (a scan's timestamps)."""
        values = self.pick(params)
        if not self.converted:
            return tuple(values)
        out = list(values)
        for key, places in self.converted:
            if memo is not None and key in memo:
                value = memo[key]
            else:
                name, convert = key
                value = convert(params[name])
                if memo is not None:
                    memo[key] = value
            for i in places:
                out[i] = value
        return tuple(out)

    def rows(self, raw: list[tuple[Any, ...]]) -> list[Any]:
        row, new = self.row, tuple.__new__  # the named tuple's _make, without its call
        if not self.results:
            return [new(row, r) for r in raw]
        done = []
        for r in raw:
            values = list(r)
            for i, convert in self.results:
                if values[i] is not None:
                    values[i] = convert(values[i])
            done.append(new(row, values))
        return done


#: (statement, dialect, compiled) by the ids of the statement and the dialect; both are
#: kept alive here, so an id is never reused for another object while cached
_COMPILED: dict[tuple[int, int], tuple[Executable, Dialect, Prepared]] = {}


def _prepared(conn: Connection, statement: Executable) -> Prepared:
    dialect = conn.dialect
    key = (id(statement), id(dialect))
    found = _COMPILED.get(key)
    if found is None or found[0] is not statement or found[1] is not dialect:
        found = _COMPILED[key] = (statement, dialect, Prepared(statement, dialect))
    return found[2]


def driver_sql(
    conn: Connection,
    sql: str,
    args: Any = (),
    cursor_options: Mapping[str, Any] | None = None,
    **execute_options: Any,
) -> Any:
    """Execute ``sql`` on the driver's cursor inside the connection's transaction, seen by
    the connection's cursor listeners, errors raised as SQLAlchemy raises them; the cursor.
    ``cursor_options`` and ``execute_options`` go to the driver (psycopg's ``row_factory``
    and ``prepare``: :func:`voucher.db.dialect.run`)."""
    raw: Any = conn.connection.dbapi_connection
    cursor = raw.cursor(**cursor_options) if cursor_options else raw.cursor()
    return _execute(conn, cursor, sql, args, *_listeners(conn), execute_options)


def _listeners(conn: Connection) -> tuple[Any, Any]:
    """The connection's ``before_cursor_execute`` and ``after_cursor_execute`` listeners,
    or none without walking SQLAlchemy's listener collections when neither the connection
    nor its engine has any listener (the test SQLAlchemy makes before each of its events)."""
    if conn._has_events or conn.engine._has_events:
        return conn.dispatch.before_cursor_execute, conn.dispatch.after_cursor_execute
    return (), ()


def _execute(
    conn: Connection,
    cursor: Any,
    sql: str,
    args: Any,
    befores: Any,
    afters: Any,
    execute_options: Mapping[str, Any],
) -> Any:
    """Run ``sql`` on ``cursor`` between the ``befores`` and ``afters`` cursor listeners;
    an error is raised as SQLAlchemy's, the cursor closed."""
    try:
        for before in befores:
            sql, args = before(conn, cursor, sql, args, None, False)
        cursor.execute(sql, args, **execute_options)
        for after in afters:
            after(conn, cursor, sql, args, None, False)
    except Exception as e:
        try:
            conn._handle_dbapi_exception(e, sql, args, cursor, None)  # raises
        finally:
            cursor.close()
    return cursor


def _run(
    conn: Connection, statement: Executable, params: Mapping[str, Any], memo: Any
) -> tuple[Prepared, Any]:
    prepared = _prepared(conn, statement)
    return prepared, driver_sql(conn, prepared.sql, prepared.parameters(params, memo))


#: parameters converted once per statement, or once per memo (see Prepared.parameters)
Memo = dict[Any, Any] | None


def all(conn: Connection, statement: Executable, params: Mapping[str, Any]) -> list[Any]:
    """Every row of a query (named tuples on SQLite, rows elsewhere)."""
    if conn.dialect.name != "sqlite":
        return list(conn.execute(statement, params).all())
    prepared, cursor = _run(conn, statement, params, None)
    try:
        return prepared.rows(cursor.fetchall())
    finally:
        cursor.close()


def first(conn: Connection, statement: Executable, params: Mapping[str, Any]) -> Any:
    """The first row of a query, or None."""
    if conn.dialect.name != "sqlite":
        return conn.execute(statement, params).first()
    found = all(conn, statement, params)
    return found[0] if found else None


def scalar(
    conn: Connection, statement: Executable, params: Mapping[str, Any], memo: Memo = None
) -> Any:
    """The first column of the one row a statement answers (e.g. ``RETURNING id``)."""
    if conn.dialect.name != "sqlite":
        return conn.execute(statement, params).scalar_one()
    _, cursor = _run(conn, statement, params, memo)
    try:
        (row,) = cursor.fetchall()
        return row[0]
    finally:
        cursor.close()


def changed(
    conn: Connection, statement: Executable, params: Mapping[str, Any], memo: Memo = None
) -> int:
    """Run a write; how many rows it changed."""
    if conn.dialect.name != "sqlite":
        return int(conn.execute(statement, params).rowcount)
    _, cursor = _run(conn, statement, params, memo)
    try:
        return int(cursor.rowcount)
    finally:
        cursor.close()


class Steps:
    """Statements run one after another on one cursor of the driver (SQLite), as a scan's
    writes are: each as :func:`changed` or :func:`scalar` would run it (compiled once,
    seen by the cursor listeners the connection had when the sequence began, errors as
    SQLAlchemy's), with one memo of converted parameters (see
    :meth:`Prepared.parameters`) for the whole sequence."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        raw: Any = conn.connection.dbapi_connection
        self.cursor: Any = raw.cursor()
        self.memo: dict[Any, Any] = {}
        # the listeners of the connection when the sequence starts
        befores, afters = _listeners(conn)
        self.befores, self.afters = tuple(befores), tuple(afters)

    def _run(self, statement: Executable, params: Mapping[str, Any]) -> Any:
        prepared = _prepared(self.conn, statement)
        args = prepared.parameters(params, self.memo)
        return _execute(self.conn, self.cursor, prepared.sql, args, self.befores, self.afters, {})

    def changed(self, statement: Executable, params: Mapping[str, Any]) -> int:
        """Run a write; how many rows it changed."""
        return int(self._run(statement, params).rowcount)

    def scalar(self, statement: Executable, params: Mapping[str, Any]) -> Any:
        """The first column of the one row a statement answers (e.g. ``RETURNING id``)."""
        ((value, *_),) = self._run(statement, params).fetchall()
        return value

    def close(self) -> None:
        self.cursor.close()
