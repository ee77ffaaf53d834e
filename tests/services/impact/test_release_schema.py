"""Migration 0020_releases matches the release model on both databases and goes down and
up again."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from tests.schema import model_diffs
from voucher.db.migrate import alembic_config, upgrade


def _diffs(engine) -> list:
    return model_diffs(engine, "impact_release")


def test_the_migration_matches_the_model_and_goes_down_and_up(fresh_engine):
    assert _diffs(fresh_engine) == []
    command.downgrade(alembic_config(fresh_engine), "0019_bank_counterparty")
    assert "impact_release" not in set(inspect(fresh_engine).get_table_names())
    upgrade(fresh_engine)
    assert "impact_release" in set(inspect(fresh_engine).get_table_names())
    assert _diffs(fresh_engine) == []
