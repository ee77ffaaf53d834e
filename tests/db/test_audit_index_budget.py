"""Migration 0043_audit_index_budget: the audit log's five indexes become four (the action's
dropped, the organisation's with the time, the time's as BRIN on PostgreSQL), on both
databases, matching the models, and it goes down to its predecessor and up again."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, text

from tests.schema import model_diffs
from voucher.db.migrate import alembic_config, upgrade

DROPPED = {"ix_audit_event_action", "ix_audit_event_organisation_id"}
NOW = {"ix_audit_object", "ix_audit_event_organisation_time", "ix_audit_event_at"}


def _indexes(engine) -> set[str]:
    return {i["name"] for i in inspect(engine).get_indexes("audit_event")}


def _time_index_kind(engine) -> str | None:
    if engine.dialect.name != "postgresql":
        return None
    with engine.connect() as conn:
        return conn.scalar(
            text(
                "SELECT am.amname FROM pg_class c JOIN pg_am am ON am.oid = c.relam "
                "WHERE c.relname = 'ix_audit_event_at'"
            )
        )


def test_the_migration_matches_the_models_and_goes_down_and_up(fresh_engine):
    assert model_diffs(fresh_engine, "audit_event") == []
    assert _indexes(fresh_engine) == NOW
    assert _time_index_kind(fresh_engine) in (None, "brin")
    command.downgrade(alembic_config(fresh_engine), "0043_audit_index_budget-1")
    assert _indexes(fresh_engine) == DROPPED | {"ix_audit_object", "ix_audit_event_at"}
    assert _time_index_kind(fresh_engine) in (None, "btree")
    upgrade(fresh_engine)
    assert _indexes(fresh_engine) == NOW
    assert _time_index_kind(fresh_engine) in (None, "brin")
    assert model_diffs(fresh_engine, "audit_event") == []
