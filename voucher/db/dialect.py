"""Where SQLite and PostgreSQL differ, in one place: locking, upserts, bulk loads, and
Europe/Paris calendar days and months in SQL.

The locking policy:

* PostgreSQL: rows are locked where they are read for a change (``SELECT ... FOR UPDATE``)
  and named operations (book serials, a month's close, sealing the journal) take a
  transaction-level lock, so concurrent writers queue on exactly what they share;
* SQLite: one writer at a time. Every write transaction starts with ``BEGIN IMMEDIATE``
  (:mod:`voucher.db.engine`), which takes the database's write lock before the first read,
  so ``FOR UPDATE`` and named locks are not needed and are left out.

Paris time in SQL: PostgreSQL converts with its time-zone database; SQLite has none, so
the UTC offset (+1 h, or +2 h in summer time) is a ``CASE`` over the summer-time periods of
the years concerned (:func:`voucher.domain.calendar.summer_periods`).

Services ask here ("lock this row", "lock this operation", "insert or ignore", "load these
rows", "the Paris month of this column") and never look at the dialect's name themselves.

The redemption's hot path on PostgreSQL runs its two statements through :func:`run`:
SQL rendered once, sent by the driver as a server-side prepared statement, rows as named
tuples, no SQLAlchemy result to build (each statement costs half the client CPU).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

from psycopg import pq
from psycopg.rows import namedtuple_row
from psycopg.types.json import Json
from sqlalchemy import (
    BigInteger,
    Connection,
    Date,
    Engine,
    Integer,
    Table,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal,
    literal_column,
    text,
)
from sqlalchemy import insert as plain_insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.sql.selectable import GenerativeSelect

from voucher.db.types import UTCDateTime, stored_utc
from voucher.domain.calendar import summer_periods

T = TypeVar("T")
Q = TypeVar("Q", bound=GenerativeSelect)

Bind = Session | Connection | Engine

#: named operations serialised on PostgreSQL (``pg_advisory_xact_lock`` keys)
OPERATION_LOCKS = {"book_serials": 7301}


def name_of(bind: Bind) -> str:
    if isinstance(bind, Session):
        return bind.get_bind().dialect.name
    return bind.dialect.name


def is_postgres(bind: Bind) -> bool:
    return name_of(bind) == "postgresql"


def writes_in_with(bind: Bind) -> bool:
    """Whether ``WITH x AS (UPDATE … RETURNING …) SELECT … FROM x`` works (PostgreSQL's
    data-modifying CTEs; SQLite has none: run the write, then read)."""
    return is_postgres(bind)


def render(stmt: Any, bind: Connection) -> str:
    """``stmt`` as the SQL text the driver of ``bind`` takes (placeholders ``%(name)s``),
    for :func:`run`; its parameters are then given as the driver takes them (times naive
    UTC, JSON wrapped: :func:`driver_params`)."""
    return str(stmt.compile(dialect=bind.dialect))


def driver_params(
    params: Mapping[str, Any], times: Sequence[str] = (), documents: Sequence[str] = ()
) -> dict[str, Any]:
    """``params`` as :class:`UTCDateTime` and ``JSON`` would bind them on PostgreSQL:
    the ``times`` naive UTC, the ``documents`` wrapped as JSON."""
    values = dict(params)
    for name in times:
        values[name] = stored_utc(values[name])
    for name in documents:
        values[name] = Json(values[name])
    return values


def run(
    bind: Connection, sql: str, params: Mapping[str, Any] | None, *, commit: bool = False
) -> list[Any]:
    """PostgreSQL: run rendered ``sql`` (:func:`render`) on the driver's connection of
    ``bind``, in its transaction and savepoint (``bind`` must have begun one, as a
    session's connection has: SQLAlchemy commits or rolls back only what it began),
    prepared on the server from the first call (planned once per connection); its rows
    as named tuples (a statement that answers rows). The connection's cursor listeners
    see it, and driver errors are raised as SQLAlchemy raises them, as
    :func:`voucher.db.prepared.driver_sql` does on SQLite.

    The statement runs on a cursor kept for it on this connection (:func:`_kept`): psycopg
    then keeps the statement's converted query and its adapters from one execution to the
    next instead of building them again (half the client CPU of a small statement).

    ``commit``: the statement is its transaction's last, and ``COMMIT`` is sent with it
    in one round trip (psycopg's pipeline mode), so the rows it locks are released by the
    server without waiting for the client to read the answer and send the commit. If the
    statement fails, the server skips the ``COMMIT`` (an aborted pipeline) and the
    transaction is left to be rolled back, as after any failed statement; SQLAlchemy's
    own commit then finds nothing to commit (psycopg sends none on an idle connection)."""
    raw: Any = bind.connection.dbapi_connection
    cursor, kept = _kept(bind, raw, sql)
    try:
        for before in bind.dispatch.before_cursor_execute:
            sql, params = before(bind, cursor, sql, params, None, False)
        if commit:
            with raw.pipeline():
                cursor.execute(sql, params, prepare=True)
                raw.commit()
        else:
            cursor.execute(sql, params, prepare=True)
        for after in bind.dispatch.after_cursor_execute:
            after(bind, cursor, sql, params, None, False)
        found = cursor.fetchall()
    except Exception as e:
        bind._handle_dbapi_exception(e, sql, params, cursor, None)  # raises, closes the cursor
        raise  # not reached
    if kept.make is None:  # psycopg's named tuple, its names made valid as psycopg makes them
        kept.make = namedtuple_row(cursor)
    make = kept.make
    return [make(r) for r in found]


class _Kept:
    """A driver cursor kept for one statement on one connection, and the maker of its rows
    (named tuples)."""

    __slots__ = ("cursor", "make")

    def __init__(self, cursor: Any) -> None:
        self.cursor = cursor
        self.make: Any = None


#: ``info`` key of a pooled connection (kept as long as its driver connection, cleared
#: when the pool replaces it): the cursors kept by :func:`run`, by SQL text
_CURSORS = "voucher_cursors"


def _kept(bind: Connection, raw: Any, sql: str) -> tuple[Any, _Kept]:
    """The cursor kept for ``sql`` on ``raw`` (opened on first use, or again once closed:
    a failed statement's cursor is closed by SQLAlchemy's error handling)."""
    kept_here: dict[str, _Kept] = bind.connection.info.setdefault(_CURSORS, {})
    kept = kept_here.get(sql)
    if kept is None or kept.cursor.closed or kept.cursor.connection is not raw:
        kept = kept_here[sql] = _Kept(raw.cursor())
    return kept.cursor, kept


#: statements rendered for the driver, by the id of the Core statement (kept alive here)
_RENDERED: dict[int, tuple[Any, str]] = {}


def rendered(stmt: Any, bind: Connection) -> str:
    """:func:`render` of a statement built once (at import, or cached by its module),
    rendered once per process."""
    found = _RENDERED.get(id(stmt))
    if found is None or found[0] is not stmt:
        found = _RENDERED[id(stmt)] = (stmt, render(stmt, bind))
    return found[1]


def execute(
    bind: Connection,
    stmt: Any,
    params: Mapping[str, Any],
    *,
    times: Sequence[str] = (),
    answered_times: Sequence[str] = (),
    commit: bool = False,
) -> list[Any]:
    """The rows of a Core statement built once that answers rows, on a hot path: on
    PostgreSQL run by the driver (:func:`run`, :func:`rendered`; ``commit``: the
    ``COMMIT`` sent with it), its ``times`` parameters bound and its ``answered_times``
    columns answered UTC-aware, as :class:`UTCDateTime` does; on SQLite executed by
    SQLAlchemy as any statement (``commit`` is PostgreSQL's only: the caller commits)."""
    if not is_postgres(bind):
        return list(bind.execute(stmt, params))
    rows = run(bind, rendered(stmt, bind), driver_params(params, times), commit=commit)
    if not answered_times:
        return rows
    return [
        row._replace(
            **{
                name: moment.replace(tzinfo=UTC)
                for name in answered_times
                if (moment := getattr(row, name)) is not None
            }
        )
        for row in rows
    ]


#: ``Session.info`` key: the caller ends its transaction with the scan's write, which may
#: carry the ``COMMIT`` (:func:`commits_with_write`); "sent" once it did
LAST_WRITE_COMMITS = "last_write_commits"


def commits_with_write(session: Session) -> bool:
    """Whether the write about to run may carry its transaction's ``COMMIT`` (PostgreSQL,
    :func:`run` with ``commit``): only when the caller said its transaction ends with it
    (``session.info[LAST_WRITE_COMMITS]`` true: :func:`voucher.db.engine.unit_of_work`'s
    ``last_write_commits``, :func:`voucher.web.db.last_statement`) and no savepoint is open
    (a savepoint may still be rolled back to); the session's pending changes are flushed
    first, so that none is left for after the commit. Answering yes marks it "sent"."""
    if session.info.get(LAST_WRITE_COMMITS) is not True or not is_postgres(session):
        return False
    session.flush()
    if session.connection().in_nested_transaction():  # the session's or the connection's
        return False
    session.info[LAST_WRITE_COMMITS] = "sent"
    return True


def nothing_after_commit(session: Session) -> None:
    """If a write carried the transaction's ``COMMIT`` (:func:`commits_with_write`),
    nothing may have run or been left to flush since: it would be a second transaction,
    committed on its own. Raises then (the caller rolls that back and fails)."""
    if session.info.get(LAST_WRITE_COMMITS) != "sent":
        return
    raw: Any = session.connection().connection.dbapi_connection
    pending = session.new or session.dirty or session.deleted
    if pending or raw.info.transaction_status != pq.TransactionStatus.IDLE:
        raise RuntimeError("a statement ran after the write that committed")


def for_update(stmt: Q, bind: Bind, **options: Any) -> Q:
    """``stmt`` locking the rows it reads (PostgreSQL), or as it is (SQLite's writer lock)."""
    return stmt.with_for_update(**options) if is_postgres(bind) else stmt


def lock_operation(session: Session, name: str) -> None:
    """Serialise one named operation until the end of the transaction."""
    if is_postgres(session):
        session.execute(text(f"SELECT pg_advisory_xact_lock({OPERATION_LOCKS[name]})"))


def lock_table_for_reading(session: Session, table: str) -> None:
    """Block writers of ``table`` (not its readers) until the end of the transaction."""
    if is_postgres(session):
        session.execute(text(f"LOCK TABLE {table} IN SHARE MODE"))


def insert(table: Any, bind: Bind) -> Any:
    """An INSERT that knows ``on_conflict_do_nothing`` / ``on_conflict_do_update``."""
    return (pg_insert if is_postgres(bind) else sqlite_insert)(table)


def insert_per_dialect(table: Table) -> dict[str, Any]:
    """Both dialects' INSERT for a statement built once at import time (hot paths pick
    theirs by ``connection.dialect.name``)."""
    return {"postgresql": pg_insert(table), "sqlite": sqlite_insert(table)}


def pick(per_dialect: Mapping[str, T], bind: Bind) -> T:
    """The statement of ``per_dialect`` (keyed by dialect name) that fits ``bind``."""
    return per_dialect[name_of(bind)]


def bulk_insert(
    session: Session, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert many rows: binary ``COPY`` on PostgreSQL (psycopg 3), executemany on SQLite.

    COPY skips SQLAlchemy's types, so times are written as :class:`UTCDateTime` stores
    them (naive UTC); rows give aware datetimes either way. Binary COPY sends each value in
    the server's own format (no text to format and parse), with the column types read
    from the table; a column of a type not listed in ``_COPY_TYPES`` falls back to text."""
    if not rows:
        return
    if not is_postgres(session):
        session.execute(plain_insert(table), [dict(zip(columns, r, strict=True)) for r in rows])
        return
    times = [i for i, c in enumerate(columns) if isinstance(table.c[c].type, UTCDateTime)]
    raw = session.connection().connection.driver_connection
    target = f"{table.name} ({', '.join(columns)})"
    types = [_COPY_TYPES.get(type(table.c[c].type).__name__) for c in columns]
    binary = all(types)
    naive: dict[datetime, datetime] = {}  # a batch shares a few moments: convert each once
    with (
        raw.cursor() as cur,  # type: ignore[union-attr]
        cur.copy(f"COPY {target} FROM STDIN" + (" (FORMAT BINARY)" if binary else "")) as out,
    ):
        if binary:
            out.set_types(types)
        for row in rows:
            out.write_row(_naive_utc(row, times, naive) if times else row)


_COPY_TYPES = {  # SQLAlchemy type -> PostgreSQL type for binary COPY
    "String": "varchar",
    "Integer": "int4",
    "BigInteger": "int8",
    "Boolean": "bool",
    "Date": "date",
    "UTCDateTime": "timestamp",
}


def _naive_utc(row: tuple[Any, ...], times: list[int], seen: dict[datetime, datetime]) -> list[Any]:
    values = list(row)
    for i in times:
        moment = values[i]
        if isinstance(moment, datetime):
            if moment not in seen:
                seen[moment] = stored_utc(moment)
            values[i] = seen[moment]
    return values


def paris_time(bind: Bind, years: Callable[[], range]) -> ParisTime:
    """Paris calendar SQL for ``bind``; ``years`` (those the data spans) is asked only by
    SQLite, which needs their summer-time periods."""
    postgres = is_postgres(bind)
    return ParisTime(name_of(bind), range(0) if postgres else years())


class ParisTime:
    """SQL expressions for Europe/Paris calendar days and months, per dialect."""

    def __init__(self, dialect: str, years: range) -> None:
        self.postgres = dialect == "postgresql"
        self.periods = [] if self.postgres else summer_periods(years)

    def local(self, col: Any) -> ColumnElement[Any]:
        if self.postgres:
            return func.timezone("Europe/Paris", func.timezone("UTC", col))
        whens = [
            (
                and_(
                    col >= bindparam(None, s, UTCDateTime()),
                    col < bindparam(None, e, UTCDateTime()),
                ),
                literal("+2 hours"),
            )
            for s, e in self.periods
        ]
        shift = case(*whens, else_=literal("+1 hours")) if whens else literal("+1 hours")
        return func.datetime(col, shift)

    def day_number(self, col: Any) -> ColumnElement[Any]:
        """Days since 1970-01-01 of the Paris calendar day."""
        if self.postgres:
            return cast(cast(self.local(col), Date) - literal_column("DATE '1970-01-01'"), Integer)
        return cast(func.julianday(func.date(self.local(col))) - 2440587.5, Integer)

    def epoch(self, col: Any) -> ColumnElement[Any]:
        if self.postgres:
            return cast(func.extract("epoch", col), BigInteger)
        return cast(func.strftime("%s", col), BigInteger)

    def month(self, col: Any) -> ColumnElement[Any]:
        if self.postgres:
            return func.to_char(self.local(col), "YYYY-MM")
        return func.strftime("%Y-%m", self.local(col))
