"""Migration 0033_located_places matches the models (places' positions and communes'
centres) on both databases and goes down to its predecessor and up again."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect

from tests.schema import model_diffs
from voucher.db.migrate import alembic_config, upgrade

NAMES = ("commune_centre", "latitude", "longitude")


def columns(engine, table: str) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns(table)}


def test_the_migration_matches_the_models_and_goes_down_and_up(fresh_engine):
    assert model_diffs(fresh_engine, *NAMES) == []
    command.downgrade(alembic_config(fresh_engine), "0033_located_places-1")
    assert "commune_centre" not in inspect(fresh_engine).get_table_names()
    assert "latitude" not in columns(fresh_engine, "organisation")
    assert "latitude" not in columns(fresh_engine, "place_site")
    upgrade(fresh_engine)
    assert {"latitude", "longitude"} <= columns(fresh_engine, "place_site")
    assert model_diffs(fresh_engine, *NAMES) == []
