"""Migration 0036_close_index drops two covered indexes of ``redemption`` (the close's old
one, replaced by the partial indexes, and the beneficiary's, a prefix of another) on both
databases, matches the models, and goes down to its predecessor and up again."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from tests.schema import model_diffs
from voucher.db.migrate import alembic_config, upgrade


def _indexes(engine) -> set[str]:
    return {i["name"] for i in inspect(engine).get_indexes("redemption")}


DROPPED = {"ix_redemption_unstated", "ix_redemption_beneficiary_id"}
COVERING = {"ix_redemption_to_state", "ix_redemption_statement", "ix_redemption_beneficiary_time"}


def test_the_migration_matches_the_models_and_goes_down_and_up(fresh_engine):
    assert model_diffs(fresh_engine, "redemption") == []
    assert not DROPPED & _indexes(fresh_engine)
    assert _indexes(fresh_engine) >= COVERING
    command.downgrade(alembic_config(fresh_engine), "0036_close_index-1")
    assert _indexes(fresh_engine) >= DROPPED
    upgrade(fresh_engine)
    assert not DROPPED & _indexes(fresh_engine)
    assert model_diffs(fresh_engine, "redemption") == []
