"""Migration 0017_mail matches the mail models on both databases and goes down and up."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from tests.schema import model_diffs
from voucher.db.migrate import alembic_config, upgrade

TABLES = {"mail_message", "password_reset", "notification_opt_out"}


def _diffs(engine) -> list:
    return model_diffs(engine, *TABLES)


def test_the_migration_matches_the_models_and_goes_down_and_up(fresh_engine):
    assert _diffs(fresh_engine) == []
    command.downgrade(alembic_config(fresh_engine), "0016_disputes")
    assert not TABLES & set(inspect(fresh_engine).get_table_names())
    upgrade(fresh_engine)
    assert set(inspect(fresh_engine).get_table_names()) >= TABLES
    assert _diffs(fresh_engine) == []
