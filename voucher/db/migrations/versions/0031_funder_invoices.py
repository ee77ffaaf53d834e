"""Funders' own documents: a quote and an invoice per batch and funder, numbered without
gaps per kind and year; funds received name the invoice they pay (docs/finance.md,
"Documents des financeurs").

Revision ID: 0031_funder_invoices
Revises: 0023_density_grid
"""

import sqlalchemy as sa
from alembic import op

import voucher.db.types

revision = "0031_funder_invoices"
down_revision = "0030_refunds"
branch_labels = None
depends_on = None

BIG = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    # the lock quotes and invoices are numbered under (two first issues at once would
    # otherwise both try to create it)
    op.execute("INSERT INTO finance_lock (name) VALUES ('invoice')")
    op.create_table(
        "funder_document",
        sa.Column("id", BIG, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("number", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("batch_id", BIG, nullable=False),
        sa.Column("programme_id", BIG, nullable=False),
        sa.Column("funder_id", BIG, nullable=False),
        sa.Column("share_bp", sa.Integer(), nullable=False),
        sa.Column("vouchers", sa.Integer(), nullable=False),
        sa.Column("face_value_cents", sa.BigInteger(), nullable=False),
        sa.Column("batch_value_cents", sa.BigInteger(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("buyer_reference", sa.String(length=100), nullable=True),
        sa.Column("buyer_order", sa.String(length=50), nullable=True),
        sa.Column("created_at", voucher.db.types.UTCDateTime(), nullable=False),
        sa.Column("created_by", BIG, nullable=True),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_funder_document_amount")),
        sa.CheckConstraint("kind IN ('quote','invoice')", name=op.f("ck_funder_document_kind")),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batch.id"], name=op.f("fk_funder_document_batch_id_batch")
        ),
        sa.ForeignKeyConstraint(
            ["funder_id"],
            ["organisation.id"],
            name=op.f("fk_funder_document_funder_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_funder_document_programme_id_programme"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_funder_document")),
        sa.UniqueConstraint("kind", "year", "seq", name=op.f("uq_funder_document_seq")),
        sa.UniqueConstraint("kind", "batch_id", "funder_id", name=op.f("uq_funder_document_batch")),
        sa.UniqueConstraint("number", name=op.f("uq_funder_document_number")),
    )
    with op.batch_alter_table("funder_document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_funder_document_batch_id"), ["batch_id"])
        batch_op.create_index(batch_op.f("ix_funder_document_funder_id"), ["funder_id"])
        batch_op.create_index(batch_op.f("ix_funder_document_programme_id"), ["programme_id"])
    with op.batch_alter_table("funds_received", schema=None) as batch_op:
        batch_op.add_column(sa.Column("invoice_id", BIG, nullable=True))
        batch_op.create_index(batch_op.f("ix_funds_received_invoice_id"), ["invoice_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_funds_received_invoice_id_funder_document"),
            "funder_document",
            ["invoice_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("funds_received", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_funds_received_invoice_id_funder_document"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_funds_received_invoice_id"))
        batch_op.drop_column("invoice_id")
    with op.batch_alter_table("funder_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_funder_document_programme_id"))
        batch_op.drop_index(batch_op.f("ix_funder_document_funder_id"))
        batch_op.drop_index(batch_op.f("ix_funder_document_batch_id"))
    op.drop_table("funder_document")
    op.execute("DELETE FROM finance_lock WHERE name = 'invoice'")
