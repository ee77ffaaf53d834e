"""Shared balances in parts: ``account_part (account_id, part, balance)``. PostgreSQL's
single scans move their two balances in the part of their server backend
(``pg_backend_pid() % PARTS``) instead of the account row, so that eight desks scanning
one programme no longer queue on its ``outstanding`` row until each one's commit. An
account's balance is ``account.balance`` (its main part, which every other writer still
moves) plus its parts; ``voucher audit`` checks that sum against the postings. Existing
balances stay whole in ``account.balance``: the table starts empty.

Revision ID: 0039_account_parts
Revises: 0038_voucher_book_key
"""

import sqlalchemy as sa
from alembic import op

revision = "0039_account_parts"
down_revision = "0038_voucher_book_key"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "account_part",
        sa.Column("account_id", BIG_ID, nullable=False),
        sa.Column("part", sa.SmallInteger(), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["account.id"], name=op.f("fk_account_part_account_id_account")
        ),
        sa.PrimaryKeyConstraint("account_id", "part", name=op.f("pk_account_part")),
    )


def downgrade() -> None:
    """Folds the parts back into their accounts' rows before dropping them."""
    op.execute(
        "UPDATE account SET balance = balance + (SELECT sum(p.balance) FROM account_part p "
        "WHERE p.account_id = account.id) "
        "WHERE id IN (SELECT account_id FROM account_part)"
    )
    op.drop_table("account_part")
