"""Migration 0030_refunds matches the models on both databases, goes down to its
predecessor and up again (credit notes issued before it are refunded: ``paid``), and the
database itself refuses a second live transfer for one credit note, a transfer paying both
a statement and a credit note (or neither)."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import inspect, text
from sqlalchemy.exc import IntegrityError

from tests.schema import model_diffs
from tests.services.finance.test_refunds import owed_notes, pay, refund_transfers
from voucher.db.migrate import alembic_config, upgrade


def _diffs(engine) -> list:
    return model_diffs(
        engine, "credit_note", "payment_transfer", "payment_approval", "bank_movement"
    )


def _columns(engine, table: str) -> set[str]:
    return {c["name"] for c in inspect(engine).get_columns(table)}


def test_the_migration_matches_the_models_and_goes_down_and_up(fresh_engine):
    assert _diffs(fresh_engine) == []
    command.downgrade(alembic_config(fresh_engine), "0030_refunds-1")
    assert "refund_status" not in _columns(fresh_engine, "credit_note")
    assert "credit_note_id" not in _columns(fresh_engine, "payment_transfer")
    assert "funds_received_id" not in _columns(fresh_engine, "bank_movement")
    upgrade(fresh_engine)
    assert _diffs(fresh_engine) == []


def test_the_database_refuses_a_second_live_transfer_for_one_credit_note(session):
    owed_notes(session)
    pay(session)
    first, _ = refund_transfers(session)
    columns = (
        "run_id, credit_note_id, attempt, end_to_end_id, amount_cents, creditor_name, iban, "
        "bank_account_id, status, send_entry_id"
    )
    values = (
        f"{first.run_id}, {first.credit_note_id}, 2, 'RBT-X-2', 100, 'x', 'FR', "
        f"{first.bank_account_id}, 'sent', {first.send_entry_id}"
    )
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(text(f"INSERT INTO payment_transfer ({columns}) VALUES ({values})"))
    # a transfer that pays nothing (neither a statement nor a credit note) is refused too
    nothing = values.replace(f"{first.credit_note_id}, 2", "NULL, 3").replace(
        "'sent'", "'rejected'"
    )
    with pytest.raises(IntegrityError), session.begin_nested():
        session.execute(text(f"INSERT INTO payment_transfer ({columns}) VALUES ({nothing})"))
    # while the same row for a closed attempt of the credit note is accepted
    closed = values.replace(", 2,", ", 4,").replace("RBT-X-2", "RBT-X-4")
    with session.begin_nested():
        session.execute(
            text(
                f"INSERT INTO payment_transfer ({columns}) VALUES "
                f"({closed.replace(chr(39) + 'sent' + chr(39), chr(39) + 'rejected' + chr(39))})"
            )
        )
