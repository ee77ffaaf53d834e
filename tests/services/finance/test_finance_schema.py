"""Migration 0005_finance matches the finance models on both databases, goes down and up
again cleanly, and the database itself refuses a duplicate number or a second live transfer."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from tests.schema import model_diffs
from voucher.db.migrate import alembic_config, upgrade

FINANCE_TABLES = {
    "finance_lock",
    "document_sequence",
    "month_close",
    "statement",
    "statement_programme",
    "payment_run",
    "payment_transfer",
    "payment_approval",
    "bank_import",
    "bank_movement",
    "credit_note",
}


def _finance_diffs(engine) -> list:
    return model_diffs(engine, *FINANCE_TABLES, "ix_redemption_to_state", "ix_redemption_statement")


def test_the_migration_matches_the_models_and_goes_down_and_up(fresh_engine):
    assert _finance_diffs(fresh_engine) == []
    command.downgrade(alembic_config(fresh_engine), "0004_fraud")
    assert not FINANCE_TABLES & set(inspect(fresh_engine).get_table_names())
    upgrade(fresh_engine)
    assert set(inspect(fresh_engine).get_table_names()) >= FINANCE_TABLES
    with fresh_engine.connect() as conn:
        assert {r[0] for r in conn.execute(text("SELECT name FROM finance_lock"))} >= {
            "close",
            "payment",
            "bank",
        }


def test_the_database_refuses_a_statement_number_used_twice(session):
    from tests.services.finance import finance_world as fw
    from voucher.domain import calendar
    from voucher.domain.finance import Period
    from voucher.services.context import SYSTEM
    from voucher.services.finance import close

    w = fw.world(session)
    fw.scan(session, w, fw.paris(2026, 3, 3))
    with calendar.at(fw.paris(2026, 4, 2)):
        close.close_month(session, SYSTEM, Period(2026, 3))
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(
            text(
                "INSERT INTO statement (number, year, seq, structure_id, close_id, period, first_scan_at, "
                "period_end, line_count, total_cents, bank_account_id, status, journal_hash, created_at) "
                "SELECT 'X-1', year, seq, structure_id, close_id, period, first_scan_at, period_end, "
                "line_count, total_cents, bank_account_id, status, journal_hash, created_at FROM statement"
            )
        )
