"""Evaluation: a programme's other costs (printing, operator fees, …).

Revision ID: 0013_evaluation
Revises: 0006_impact
"""

import sqlalchemy as sa
from alembic import op

import voucher.db.types

revision = "0013_evaluation"
down_revision = "0012_api"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "programme_cost",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("programme_id", _ID, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("recorded_at", voucher.db.types.UTCDateTime(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "kind IN ('impression','frais_operateur','animation','evaluation','autre','correction')",
            name=op.f("ck_programme_cost_kind"),
        ),
        sa.CheckConstraint("amount_cents <> 0", name=op.f("ck_programme_cost_amount")),
        sa.CheckConstraint(
            "kind = 'correction' OR amount_cents > 0", name=op.f("ck_programme_cost_positive")
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_programme_cost_programme_id_programme"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_programme_cost")),
    )
    op.create_index(
        op.f("ix_programme_cost_programme_id"), "programme_cost", ["programme_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_programme_cost_programme_id"), table_name="programme_cost")
    op.drop_table("programme_cost")
