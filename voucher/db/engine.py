"""Engines and sessions.

``DATABASE_URL`` selects the database; without it, a SQLite file in the instance folder.
SQLite runs in WAL mode and every transaction starts with ``BEGIN IMMEDIATE`` (it takes the
write lock at its start, so two writers never deadlock half-way); connections opened with
the execution option ``readonly=True`` use a plain ``BEGIN``. PostgreSQL goes through
psycopg 3.
"""

from __future__ import annotations

import os
import select
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event, exc, text
from sqlalchemy.orm import Session

from voucher.db import dialect

DEFAULT_INSTANCE = Path(os.environ.get("VOUCHER_INSTANCE", Path.cwd() / "instance"))


def database_url(instance_path: Path | None = None) -> str:
    url = os.environ.get("DATABASE_URL")
    if url:
        return normalise_url(url)
    folder = Path(instance_path or DEFAULT_INSTANCE)
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'voucher.sqlite3'}"


def normalise_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, **kwargs: Any) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": 60, "check_same_thread": False}, **kwargs
        )
        _configure_sqlite(engine)
        return engine
    kwargs.setdefault("pool_size", 10)
    kwargs.setdefault("max_overflow", 20)
    engine = create_engine(url, **kwargs)
    if not kwargs.get("pool_pre_ping"):

        @event.listens_for(engine, "checkout")
        def _checkout(dbapi_conn: Any, _record: Any, _proxy: Any) -> None:
            checked_out(dbapi_conn, engine.dialect.do_ping)

    return engine


def checked_out(dbapi_conn: Any, ping: Callable[[Any], Any]) -> None:
    """PostgreSQL's check of a pooled connection, instead of SQLAlchemy's pre-ping (a
    ``SELECT 1`` round trip per transaction): an idle connection's socket has nothing to
    read unless the server wrote to it unasked, as it does when it shuts down or ends the
    backend (its last message, then the end of the stream). Only then is it pinged; a
    connection that is closed, broken or fails the ping is discarded and the pool opens
    another (``DisconnectionError``), so a restart of the server is recovered as before.
    A connection lost while in use is invalidated by SQLAlchemy, with the whole pool."""
    if dbapi_conn.closed or dbapi_conn.broken:
        raise exc.DisconnectionError("connection closed")
    readable, _, _ = select.select([dbapi_conn.fileno()], [], [], 0)
    if not readable:
        return
    try:
        ping(dbapi_conn)
    except Exception as e:
        raise exc.DisconnectionError(f"connection lost: {e}") from e


#: ``connection.info`` key: the DBAPI connection's current :class:`sqlalchemy.Connection`
#: asked for ``readonly`` (set by that execution option, cleared when it goes back to the pool)
_READ_ONLY = "voucher.readonly"


def _configure_sqlite(engine: Engine) -> None:
    """WAL, foreign keys, a busy timeout, and the transactions' ``BEGIN``: emitted by the
    dialect's ``do_begin`` (``BEGIN IMMEDIATE``, or ``BEGIN`` for a connection with the
    ``readonly`` execution option), not by a ``begin`` listener on the engine: with a
    listener, SQLAlchemy dispatches every event of every :class:`sqlalchemy.Connection`
    through the engine's (a quarter of an empty unit of work's CPU, a few per cent of a
    SQLite scan's)."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cur = dbapi_conn.cursor()
        if engine.url.database not in (None, "", ":memory:"):
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=60000")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "checkin")
    def _checkin(_dbapi_conn: Any, record: Any) -> None:
        record.info.pop(_READ_ONLY, None)

    sqlite = engine.dialect
    set_options = sqlite.set_connection_execution_options

    def set_connection_execution_options(conn: Connection, opts: Mapping[str, Any]) -> None:
        if "readonly" in opts:
            conn.connection.info[_READ_ONLY] = bool(opts["readonly"])
        set_options(conn, opts)

    def do_begin(pooled: Any) -> None:  # errors are raised as SQLAlchemy's by its caller
        read_only = pooled.info.get(_READ_ONLY, False)
        pooled.dbapi_connection.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")

    sqlite.set_connection_execution_options = set_connection_execution_options  # type: ignore[method-assign,assignment]
    sqlite.do_begin = do_begin  # type: ignore[method-assign,assignment]


@contextmanager
def read_only(engine: Engine) -> Iterator[Session]:
    """A transaction that only reads, rolled back at the end (nothing to commit): on SQLite
    a plain ``BEGIN``, which never takes the write lock (the desks' writes go on while a
    long read runs: a print file, an export); on PostgreSQL ``READ ONLY`` (a write in it is
    refused)."""
    with Session(engine, expire_on_commit=False) as session:
        session.connection(execution_options={"readonly": True})
        if engine.dialect.name == "postgresql":
            session.execute(text("SET TRANSACTION READ ONLY"))
        try:
            yield session
        finally:
            session.rollback()


@contextmanager
def unit_of_work(engine: Engine, *, last_write_commits: bool = False) -> Iterator[Session]:
    """The one place (besides the web request wrapper) that commits: commit on success,
    roll back on any exception, so nothing is ever half-written.

    ``last_write_commits``: the caller ends its transaction with one scan's write (B1's
    single scans), which then carries the ``COMMIT`` in its own round trip on PostgreSQL
    (:func:`voucher.db.dialect.commits_with_write`): the shared account rows it locks are
    released without waiting for the client. A failed write commits nothing, as before;
    a statement run after that commit is refused here, and what it did rolled back."""
    with Session(engine, expire_on_commit=False) as session, session.begin():
        if last_write_commits:
            session.info[dialect.LAST_WRITE_COMMITS] = True
        yield session
        dialect.nothing_after_commit(session)
