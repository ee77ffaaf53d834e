from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from alembic import context
from sqlalchemy import Connection

from voucher.db.engine import make_engine
from voucher.db.models import Base

config = context.config
target_metadata = Base.metadata


def run() -> None:
    engine = config.attributes.get("engine") or make_engine(
        config.get_main_option("sqlalchemy.url") or ""
    )
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        context.configure(
            connection=connection, target_metadata=target_metadata, render_as_batch=sqlite
        )
        with sqlite_keys_checked_at_end(connection) if sqlite else nullcontext():
            with context.begin_transaction():
                context.run_migrations()
            if connection.in_transaction():
                if sqlite:
                    check_sqlite_keys(connection)
                connection.commit()


@contextmanager
def sqlite_keys_checked_at_end(connection: Connection) -> Iterator[None]:
    """SQLite's foreign keys off while the migrations run (SQLite's own procedure for a
    table rebuilt: dropping a table that other rows refer to is refused otherwise), checked
    all at once before the commit (:func:`check_sqlite_keys`), on again after. The pragma
    only takes effect outside a transaction: it is sent to the driver before the first."""
    raw = connection.connection.driver_connection
    raw.execute("PRAGMA foreign_keys=OFF")  # type: ignore[union-attr]
    try:
        yield
    finally:
        if connection.in_transaction():
            connection.rollback()
        raw.execute("PRAGMA foreign_keys=ON")  # type: ignore[union-attr]


def check_sqlite_keys(connection: Connection) -> None:
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        raise RuntimeError(f"foreign keys broken by the migration: {broken[:5]}")


run()
