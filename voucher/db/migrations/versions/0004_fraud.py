"""Fraud rules and holds: alerts, per-structure daily counters, look-up indexes.

Revision ID: 0004_fraud
Revises: 0003_api
"""

import sqlalchemy as sa
from alembic import op

import voucher.db.types

revision = "0004_fraud"
down_revision = "0003_api"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "fraud_flag",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("at", voucher.db.types.UTCDateTime(), nullable=False),
        sa.Column("rule", sa.String(length=50), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("programme_id", _ID, nullable=True),
        sa.Column("structure_id", _ID, nullable=True),
        sa.Column("redemption_id", _ID, nullable=True),
        sa.Column("voucher_id", _ID, nullable=True),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "severity IN ('low','medium','high')", name=op.f("ck_fraud_flag_severity")
        ),
        sa.CheckConstraint(
            "outcome IN ('flag','hold','refuse')", name=op.f("ck_fraud_flag_outcome")
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programme.id"], name=op.f("fk_fraud_flag_programme_id_programme")
        ),
        sa.ForeignKeyConstraint(
            ["structure_id"],
            ["organisation.id"],
            name=op.f("fk_fraud_flag_structure_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["redemption_id"],
            ["redemption.id"],
            name=op.f("fk_fraud_flag_redemption_id_redemption"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fraud_flag")),
    )
    with op.batch_alter_table("fraud_flag", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_fraud_flag_at"), ["at"], unique=False)
        batch_op.create_index("ix_fraud_flag_programme_at", ["programme_id", "at"], unique=False)
        batch_op.create_index("ix_fraud_flag_structure_at", ["structure_id", "at"], unique=False)
        batch_op.create_index("ix_fraud_flag_rule_at", ["rule", "at"], unique=False)

    op.create_table(
        "structure_day_volume",
        sa.Column("structure_id", _ID, nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("scans", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["structure_id"],
            ["organisation.id"],
            name=op.f("fk_structure_day_volume_structure_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("structure_id", "day", name=op.f("pk_structure_day_volume")),
    )
    with op.batch_alter_table("refused_scan", schema=None) as batch_op:
        batch_op.create_index("ix_refused_scan_key_time", ["api_key_id", "at"], unique=False)
    with op.batch_alter_table("redemption", schema=None) as batch_op:
        batch_op.create_index(
            "ix_redemption_beneficiary_time", ["beneficiary_id", "scanned_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("redemption", schema=None) as batch_op:
        batch_op.drop_index("ix_redemption_beneficiary_time")
    with op.batch_alter_table("refused_scan", schema=None) as batch_op:
        batch_op.drop_index("ix_refused_scan_key_time")
    op.drop_table("structure_day_volume")
    with op.batch_alter_table("fraud_flag", schema=None) as batch_op:
        batch_op.drop_index("ix_fraud_flag_rule_at")
        batch_op.drop_index("ix_fraud_flag_structure_at")
        batch_op.drop_index("ix_fraud_flag_programme_at")
        batch_op.drop_index(batch_op.f("ix_fraud_flag_at"))
    op.drop_table("fraud_flag")
