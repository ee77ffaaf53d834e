"""Hot-path statements on SQLite, compiled once per process and run on the driver's cursor.

On SQLite a statement costs a few microseconds in the database and several times that in
SQLAlchemy's execution layer (execution context, parameter dictionaries, result objects).
A statement run here is compiled once per dialect by SQLAlchemy itself (same SQL, same bind
and result conversions: dates, UTC datetimes, JSON, booleans), then each execution is one
call to the ``sqlite3`` cursor of the connection's current transaction, with a tuple of
parameters, and rows come back as named tuples.

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

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ClauseElement, Executable


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
        self.binds: tuple[tuple[str, Callable[[Any], Any] | None], ...] = tuple(
            (name, converters.get(name)) for name in names
        )
        #: (position, name, conversion) of the parameters that are converted
        self.converted = tuple(
            (i, name, convert) for i, (name, convert) in enumerate(self.binds) if convert
        )
        self.pick: Callable[[Mapping[str, Any]], Any] = (
            itemgetter(*names) if len(names) > 1 else lambda p: tuple(p[n] for n in names)
        )
        columns = compiled._result_columns or []
        self.row: Any = namedtuple("Row", [c.keyname for c in columns])  # type: ignore[misc]
        found = [(i, c.type._cached_result_processor(dialect, None)) for i, c in enumerate(columns)]
        #: (position, conversion) of the result columns that are converted
        self.results = tuple((i, f) for i, f in found if f is not None)

    def parameters(
        self, params: Mapping[str, Any], memo: dict[Any, Any] | None = None
    ) -> tuple[Any, ...]:
        """The parameters in order, converted; with ``memo``, each value is converted once
        for every statement given the same memo and parameters (a scan's timestamps)."""
        values = self.pick(params)
        if not self.converted:
            return tuple(values)
        out = list(values)
        for i, name, convert in self.converted:
            if memo is None:
                out[i] = convert(out[i])
                continue
            key = (name, convert)
            if key not in memo:
                memo[key] = convert(out[i])
            out[i] = memo[key]
        return tuple(out)

    def rows(self, raw: list[tuple[Any, ...]]) -> list[Any]:
        make = self.row._make
        if not self.results:
            return [make(r) for r in raw]
        done = []
        for r in raw:
            values = list(r)
            for i, convert in self.results:
                if values[i] is not None:
                    values[i] = convert(values[i])
            done.append(make(values))
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
    cursor = raw.cursor(**(cursor_options or {}))
    try:
        for before in conn.dispatch.before_cursor_execute:
            sql, args = before(conn, cursor, sql, args, None, False)
        cursor.execute(sql, args, **execute_options)
        for after in conn.dispatch.after_cursor_execute:
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
