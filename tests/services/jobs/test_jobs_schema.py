"""Migration 0015_jobs matches the job model on both databases and goes down and up again."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from tests.schema import model_diffs
from voucher.db.migrate import alembic_config, upgrade


def _job_diffs(engine) -> list:
    return model_diffs(engine, "'job'", "ix_job_")


def test_the_migration_matches_the_model_and_goes_down_and_up(fresh_engine):
    assert _job_diffs(fresh_engine) == []
    command.downgrade(alembic_config(fresh_engine), "0014_places")
    assert "job" not in set(inspect(fresh_engine).get_table_names())
    upgrade(fresh_engine)
    assert "job" in set(inspect(fresh_engine).get_table_names())
    assert _job_diffs(fresh_engine) == []
