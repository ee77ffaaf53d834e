"""Migration 0020_releases matches the release model on both databases and goes down and
up again."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from voucher.db.migrate import alembic_config, upgrade
from voucher.db.models import Base


def _diffs(engine) -> list:
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    flat = [d for group in diffs for d in (group if isinstance(group, list) else [group])]
    return [d for d in flat if "impact_release" in repr(d)]


def test_the_migration_matches_the_model_and_goes_down_and_up(fresh_engine):
    assert _diffs(fresh_engine) == []
    command.downgrade(alembic_config(fresh_engine), "0015_jobs")
    assert "impact_release" not in set(inspect(fresh_engine).get_table_names())
    upgrade(fresh_engine)
    assert "impact_release" in set(inspect(fresh_engine).get_table_names())
    assert _diffs(fresh_engine) == []
