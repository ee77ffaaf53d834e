"""SQLite's transactions begin as the engine says (``voucher.db.engine``): ``BEGIN
IMMEDIATE`` for every transaction, a plain ``BEGIN`` for a connection given the
``readonly`` execution option, and that option ends with its connection: the next
transaction on the same pooled DBAPI connection takes the write lock again."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlalchemy.orm import Session

from voucher.db.engine import make_engine, read_only, unit_of_work


def test_writers_begin_immediate_and_read_only_connections_plain(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'begin.sqlite3'}", pool_size=1, max_overflow=0)
    seen: list[str] = []
    with engine.connect() as conn:  # the pool's one DBAPI connection, traced
        conn.connection.dbapi_connection.set_trace_callback(seen.append)  # type: ignore[union-attr]
    with read_only(engine) as s:
        s.execute(text("SELECT 1"))
    with unit_of_work(engine) as s:
        s.execute(text("SELECT 2"))
    with engine.connect() as conn, Session(bind=conn.execution_options(readonly=True)) as s:
        s.execute(text("SELECT 3"))
        s.commit()
        s.execute(text("SELECT 4"))  # the option lasts as long as its connection
    with engine.connect() as conn:
        conn.execution_options(readonly=True)  # never begun: the option ends with it
    with unit_of_work(engine) as s:
        s.execute(text("SELECT 5"))
    engine.dispose()
    assert seen == [
        "BEGIN", "SELECT 1", "ROLLBACK",
        "BEGIN IMMEDIATE", "SELECT 2", "COMMIT",
        "BEGIN", "SELECT 3", "COMMIT", "BEGIN", "SELECT 4", "ROLLBACK",
        "BEGIN IMMEDIATE", "SELECT 5", "COMMIT",
    ]  # fmt: skip
