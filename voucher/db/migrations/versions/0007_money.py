"""Money paid exactly once: each bank line recorded once by the bank's own reference, and
the account a bank file reports on.

Revision ID: 0007_money
Revises: 0006_impact
"""

import sqlalchemy as sa
from alembic import op

import voucher.db.types

revision = "0007_money"
down_revision = "0006_impact"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("bank_import") as batch:
        batch.add_column(sa.Column("account_iban", sa.String(length=34), nullable=True))
        batch.add_column(sa.Column("statement_ref", sa.String(length=35), nullable=True))
        batch.add_column(sa.Column("opening_cents", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("closing_cents", sa.BigInteger(), nullable=True))
        batch.add_column(sa.Column("closing_date", sa.Date(), nullable=True))
    op.create_table(
        "bank_movement",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("account_iban", sa.String(length=34), nullable=False),
        sa.Column("reference", sa.String(length=140), nullable=True),
        sa.Column("bank_import_id", _ID, nullable=False),
        sa.Column("line_index", sa.Integer(), nullable=False),
        sa.Column("booking_date", sa.Date(), nullable=True),
        sa.Column("direction", sa.String(length=4), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("end_to_end_id", sa.String(length=35), nullable=True),
        sa.Column("return_reason", sa.String(length=10), nullable=True),
        sa.Column("transfer_id", _ID, nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("recorded_at", voucher.db.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint("direction IN ('DBIT','CRDT')", name=op.f("ck_bank_movement_direction")),
        sa.CheckConstraint("amount_cents >= 0", name=op.f("ck_bank_movement_amount")),
        sa.ForeignKeyConstraint(
            ["bank_import_id"],
            ["bank_import.id"],
            name=op.f("fk_bank_movement_bank_import_id_bank_import"),
        ),
        sa.ForeignKeyConstraint(
            ["transfer_id"],
            ["payment_transfer.id"],
            name=op.f("fk_bank_movement_transfer_id_payment_transfer"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_movement")),
        sa.UniqueConstraint(
            "account_iban", "reference", name=op.f("uq_bank_movement_account_iban")
        ),
    )
    op.create_index(op.f("ix_bank_movement_bank_import_id"), "bank_movement", ["bank_import_id"])
    op.create_index(op.f("ix_bank_movement_transfer_id"), "bank_movement", ["transfer_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_bank_movement_transfer_id"), table_name="bank_movement")
    op.drop_index(op.f("ix_bank_movement_bank_import_id"), table_name="bank_movement")
    op.drop_table("bank_movement")
    with op.batch_alter_table("bank_import") as batch:
        for column in ("closing_date", "closing_cents", "opening_cents", "statement_ref"):
            batch.drop_column(column)
        batch.drop_column("account_iban")
