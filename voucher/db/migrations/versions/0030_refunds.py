"""Refunds to funders are payments: a credit note's refund is owed to the funder until a
payment run sends it and the bank settles it, like a structure's transfer. A transfer pays
a statement or a credit note; an approval (second-approval rule) may name a credit note;
an unmatched bank credit can be linked once to a funder's funds received.

Credit notes issued before this revision booked their refund straight out of the bank:
they are ``paid``.

Revision ID: 0030_refunds
Revises: 0023_density_grid
"""

import sqlalchemy as sa
from alembic import op

revision = "0030_refunds"
down_revision = "0023_density_grid"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
LIVE = sa.text("status IN ('sent','paid')")


def upgrade() -> None:
    with op.batch_alter_table("credit_note") as batch:
        batch.add_column(
            sa.Column("refund_status", sa.String(length=12), nullable=False, server_default="paid")
        )
    with op.batch_alter_table("credit_note") as batch:
        batch.alter_column("refund_status", server_default=None)
        batch.create_check_constraint(
            op.f("ck_credit_note_refund_status"), "refund_status IN ('owed','in_payment','paid')"
        )
    with op.batch_alter_table("payment_transfer") as batch:
        batch.add_column(sa.Column("credit_note_id", _ID, nullable=True))
        batch.alter_column("statement_id", existing_type=_ID, nullable=True)
        batch.create_foreign_key(
            batch.f("fk_payment_transfer_credit_note_id_credit_note"),
            "credit_note",
            ["credit_note_id"],
            ["id"],
        )
        batch.create_unique_constraint(
            batch.f("uq_payment_transfer_credit_note_id"), ["credit_note_id", "attempt"]
        )
        batch.create_check_constraint(
            op.f("ck_payment_transfer_pays_one_thing"),
            "(statement_id IS NULL) <> (credit_note_id IS NULL)",
        )
    op.create_index(
        "uq_payment_transfer_refund_live",
        "payment_transfer",
        ["credit_note_id"],
        unique=True,
        postgresql_where=LIVE,
        sqlite_where=LIVE,
    )
    with op.batch_alter_table("payment_approval") as batch:
        batch.add_column(sa.Column("credit_note_id", _ID, nullable=True))
        batch.alter_column("statement_id", existing_type=_ID, nullable=True)
        batch.create_foreign_key(
            batch.f("fk_payment_approval_credit_note_id_credit_note"),
            "credit_note",
            ["credit_note_id"],
            ["id"],
        )
        batch.create_unique_constraint(
            batch.f("uq_payment_approval_credit_note_id"),
            ["credit_note_id", "bank_account_id", "user_id"],
        )
        batch.create_index(
            batch.f("ix_payment_approval_credit_note_id"), ["credit_note_id"], unique=False
        )
    with op.batch_alter_table("bank_movement") as batch:
        batch.add_column(sa.Column("funds_received_id", _ID, nullable=True))
        batch.create_foreign_key(
            batch.f("fk_bank_movement_funds_received_id_funds_received"),
            "funds_received",
            ["funds_received_id"],
            ["id"],
        )
        batch.create_unique_constraint(
            batch.f("uq_bank_movement_funds_received_id"), ["funds_received_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("bank_movement") as batch:
        batch.drop_constraint(batch.f("uq_bank_movement_funds_received_id"), type_="unique")
        batch.drop_constraint(
            batch.f("fk_bank_movement_funds_received_id_funds_received"), type_="foreignkey"
        )
        batch.drop_column("funds_received_id")
    op.execute("DELETE FROM payment_approval WHERE credit_note_id IS NOT NULL")
    with op.batch_alter_table("payment_approval") as batch:
        batch.drop_index(batch.f("ix_payment_approval_credit_note_id"))
        batch.drop_constraint(batch.f("uq_payment_approval_credit_note_id"), type_="unique")
        batch.drop_constraint(
            batch.f("fk_payment_approval_credit_note_id_credit_note"), type_="foreignkey"
        )
        batch.drop_column("credit_note_id")
        batch.alter_column("statement_id", existing_type=_ID, nullable=False)
    op.drop_index("uq_payment_transfer_refund_live", table_name="payment_transfer")
    op.execute("DELETE FROM payment_transfer WHERE credit_note_id IS NOT NULL")
    with op.batch_alter_table("payment_transfer") as batch:
        batch.drop_constraint(op.f("ck_payment_transfer_pays_one_thing"), type_="check")
        batch.drop_constraint(batch.f("uq_payment_transfer_credit_note_id"), type_="unique")
        batch.drop_constraint(
            batch.f("fk_payment_transfer_credit_note_id_credit_note"), type_="foreignkey"
        )
        batch.drop_column("credit_note_id")
        batch.alter_column("statement_id", existing_type=_ID, nullable=False)
    with op.batch_alter_table("credit_note") as batch:
        batch.drop_constraint(op.f("ck_credit_note_refund_status"), type_="check")
        batch.drop_column("refund_status")
