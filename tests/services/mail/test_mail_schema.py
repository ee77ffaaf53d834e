"""Migration 0017_mail matches the mail models on both databases and goes down and up."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from voucher.db.migrate import alembic_config, upgrade
from voucher.db.models import Base

TABLES = {"mail_message", "password_reset", "notification_opt_out"}


def _diffs(engine) -> list:
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    flat = [d for group in diffs for d in (group if isinstance(group, list) else [group])]
    return [d for d in flat if any(t in repr(d) for t in TABLES)]


def test_the_migration_matches_the_models_and_goes_down_and_up(fresh_engine):
    assert _diffs(fresh_engine) == []
    command.downgrade(alembic_config(fresh_engine), "0016_disputes")
    assert not TABLES & set(inspect(fresh_engine).get_table_names())
    upgrade(fresh_engine)
    assert set(inspect(fresh_engine).get_table_names()) >= TABLES
    assert _diffs(fresh_engine) == []
