"""Migration 0022_follow_up matches the follow-up and comparison-group models on both
databases and goes down and up again."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from tests.schema import model_diffs
from voucher.db.migrate import alembic_config, upgrade

TABLES = ("follow_up", "comparison_group")


def _diffs(engine) -> list:
    return model_diffs(engine, *TABLES)


def test_the_migration_matches_the_models_and_goes_down_and_up(fresh_engine):
    assert _diffs(fresh_engine) == []
    command.downgrade(alembic_config(fresh_engine), "0020_releases")
    assert not set(TABLES) & set(inspect(fresh_engine).get_table_names())
    upgrade(fresh_engine)
    assert set(TABLES) <= set(inspect(fresh_engine).get_table_names())
    assert _diffs(fresh_engine) == []
