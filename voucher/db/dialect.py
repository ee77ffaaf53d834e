"""Where SQLite and PostgreSQL differ, in one place: locking, upserts, bulk loads.

The locking policy:

* PostgreSQL: rows are locked where they are read for a change (``SELECT ... FOR UPDATE``)
  and named operations (book serials, a month's close, sealing the journal) take a
  transaction-level lock, so concurrent writers queue on exactly what they share;
* SQLite: one writer at a time. Every write transaction starts with ``BEGIN IMMEDIATE``
  (:mod:`voucher.db.engine`), which takes the database's write lock before the first read,
  so ``FOR UPDATE`` and named locks are not needed and are left out.

Services ask here ("lock this row", "lock this operation", "insert or ignore") and never
look at the dialect's name themselves.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, Select, Table, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

Bind = Session | Connection | Engine

#: named operations serialised on PostgreSQL (``pg_advisory_xact_lock`` keys)
OPERATION_LOCKS = {"book_serials": 7301}


def name_of(bind: Bind) -> str:
    if isinstance(bind, Session):
        return bind.get_bind().dialect.name
    return bind.dialect.name


def is_postgres(bind: Bind) -> bool:
    return name_of(bind) == "postgresql"


def for_update(stmt: Select[Any], bind: Bind, **options: Any) -> Select[Any]:
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
