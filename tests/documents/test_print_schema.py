"""The 0010_print migration matches the models (books of each print file, the proof a
production follows) and goes down and up."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect

from voucher.db.migrate import alembic_config, upgrade
from voucher.db.models import Base


def _print_diffs(engine) -> list:
    with engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    flat = [d for group in diffs for d in (group if isinstance(group, list) else [group])]
    return [
        d
        for d in flat
        if any(t in repr(d) for t in ("print_file", "programme_logo", "programme_cover"))
    ]


def test_the_migration_matches_the_models_and_goes_down_and_up(fresh_engine):
    assert _print_diffs(fresh_engine) == []
    command.downgrade(alembic_config(fresh_engine), "0006_impact")
    assert "print_file_book" not in inspect(fresh_engine).get_table_names()
    assert "proof_id" not in {c["name"] for c in inspect(fresh_engine).get_columns("print_file")}
    upgrade(fresh_engine)
    assert {"print_file_book", "programme_logo"} <= set(inspect(fresh_engine).get_table_names())
    assert _print_diffs(fresh_engine) == []
