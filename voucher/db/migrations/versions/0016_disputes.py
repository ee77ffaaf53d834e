"""Offline acceptances the server refused, kept for review (docs/api.md, "Litiges").

Revision ID: 0016_disputes
Revises: 0015_jobs
"""

import sqlalchemy as sa
from alembic import op

import voucher.db.types

revision = "0016_disputes"
down_revision = "0015_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "offline_dispute",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "structure_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "programme_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "voucher_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column(
            "api_key_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("user_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("scan_id", sa.String(length=100), nullable=False),
        sa.Column("code_tail", sa.String(length=4), nullable=True),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("face_value_cents", sa.BigInteger(), nullable=True),
        sa.Column("scanned_at", voucher.db.types.UTCDateTime(), nullable=True),
        sa.Column("created_at", voucher.db.types.UTCDateTime(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("decided_at", voucher.db.types.UTCDateTime(), nullable=True),
        sa.Column(
            "decided_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column(
            "redemption_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.CheckConstraint(
            "status IN ('open','released','rejected')", name=op.f("ck_offline_dispute_status")
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_offline_dispute_programme_id_programme"),
        ),
        sa.ForeignKeyConstraint(
            ["redemption_id"],
            ["redemption.id"],
            name=op.f("fk_offline_dispute_redemption_id_redemption"),
        ),
        sa.ForeignKeyConstraint(
            ["structure_id"],
            ["organisation.id"],
            name=op.f("fk_offline_dispute_structure_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["voucher_id"], ["voucher.id"], name=op.f("fk_offline_dispute_voucher_id_voucher")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offline_dispute")),
        sa.UniqueConstraint("structure_id", "scan_id", name="uq_offline_dispute_scan"),
    )
    with op.batch_alter_table("offline_dispute", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_offline_dispute_programme_id"), ["programme_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_offline_dispute_status"), ["status"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_offline_dispute_structure_id"), ["structure_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("offline_dispute", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offline_dispute_structure_id"))
        batch_op.drop_index(batch_op.f("ix_offline_dispute_status"))
        batch_op.drop_index(batch_op.f("ix_offline_dispute_programme_id"))

    op.drop_table("offline_dispute")
