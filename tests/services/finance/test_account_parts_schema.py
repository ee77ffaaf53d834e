"""Migration 0039_account_parts adds ``account_part`` on both databases, matches the models,
and goes down to its predecessor (the parts folded back into their accounts' rows, so no
balance changes) and up again."""

from __future__ import annotations

from alembic import command
from sqlalchemy import inspect, select, text

from tests import factories as f
from tests.schema import model_diffs
from voucher.db.engine import unit_of_work
from voucher.db.migrate import alembic_config, upgrade
from voucher.db.models import Account
from voucher.services.finance import journal


def test_the_migration_matches_the_models_and_goes_down_and_up(fresh_engine):
    assert model_diffs(fresh_engine, "account_part") == []
    with unit_of_work(fresh_engine) as s:
        f.world(s)
        account_id = s.scalar(select(Account.id).order_by(Account.id).limit(1))
        s.execute(
            text("INSERT INTO account_part (account_id, part, balance) VALUES (:a, 3, 250)"),
            {"a": account_id},
        )
        s.execute(
            text("UPDATE account SET balance = balance - 250 WHERE id = :a"), {"a": account_id}
        )
        before = journal.balances(s)
    command.downgrade(alembic_config(fresh_engine), "0039_account_parts-1")
    assert "account_part" not in inspect(fresh_engine).get_table_names()
    with fresh_engine.connect() as conn:
        rows = {str(c): int(b) for c, b in conn.execute(text("SELECT code, balance FROM account"))}
    assert rows == before
    upgrade(fresh_engine)
    assert model_diffs(fresh_engine, "account_part") == []
    with unit_of_work(fresh_engine) as s:
        assert journal.balances(s) == before
