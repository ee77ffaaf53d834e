"""Migration 0031_funder_invoices matches the models on both databases, goes down to its
predecessor and up again, and the database refuses a document number used twice."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from tests import factories as f
from tests.schema import model_diffs
from voucher.db.migrate import alembic_config, upgrade
from voucher.services.context import SYSTEM
from voucher.services.finance import funder_invoices


def test_the_migration_matches_the_models_and_goes_down_and_up(fresh_engine):
    assert model_diffs(fresh_engine, "funder_document", "invoice_id") == []
    command.downgrade(alembic_config(fresh_engine), "0031_funder_invoices-1")
    assert "funder_document" not in inspect(fresh_engine).get_table_names()
    assert "invoice_id" not in {
        c["name"] for c in inspect(fresh_engine).get_columns("funds_received")
    }
    upgrade(fresh_engine)
    assert model_diffs(fresh_engine, "funder_document", "invoice_id") == []
    with fresh_engine.connect() as conn:
        names = {r[0] for r in conn.execute(text("SELECT name FROM finance_lock"))}
    assert "invoice" in names


def test_the_database_refuses_a_number_used_twice(session):
    w = f.world(session, books=1, activate=False)
    doc = funder_invoices.issue(session, SYSTEM, w.batch.id, "invoice")[0]
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(
            text(
                "INSERT INTO funder_document (kind, number, year, seq, batch_id, programme_id,"
                " funder_id, share_bp, vouchers, face_value_cents, batch_value_cents,"
                " amount_cents, created_at) SELECT kind, number || 'x', year, seq, batch_id,"
                " programme_id, funder_id, share_bp, vouchers, face_value_cents,"
                " batch_value_cents, amount_cents, created_at FROM funder_document WHERE id = :i"
            ),
            {"i": doc.id},
        )
