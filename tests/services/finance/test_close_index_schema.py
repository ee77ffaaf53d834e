"""Migration 0036_close_index drops the close's old index (the partial indexes replaced it)
on both databases, matches the models, and goes down to its predecessor and up again."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from tests.schema import model_diffs
from voucher.db.migrate import alembic_config, upgrade


def _indexes(engine) -> set[str]:
    return {i["name"] for i in inspect(engine).get_indexes("redemption")}


def test_the_migration_matches_the_models_and_goes_down_and_up(fresh_engine):
    assert model_diffs(fresh_engine, "redemption") == []
    assert "ix_redemption_unstated" not in _indexes(fresh_engine)
    assert {"ix_redemption_to_state", "ix_redemption_statement"} <= _indexes(fresh_engine)
    command.downgrade(alembic_config(fresh_engine), "0023_density_grid")
    assert "ix_redemption_unstated" in _indexes(fresh_engine)
    upgrade(fresh_engine)
    assert "ix_redemption_unstated" not in _indexes(fresh_engine)
    assert model_diffs(fresh_engine, "redemption") == []
