"""Impact exports: permissions for row-level research extracts.

Revision ID: 0006_impact
Revises: 0005_finance
"""

import sqlalchemy as sa
from alembic import op

import voucher.db.types

revision = "0006_impact"
down_revision = "0005_finance"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "research_grant",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("programme_id", _ID, nullable=True),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("granted_at", voucher.db.types.UTCDateTime(), nullable=False),
        sa.Column("granted_by", sa.String(length=200), nullable=False),
        sa.Column("revoked_at", voucher.db.types.UTCDateTime(), nullable=True),
        sa.Column("revoked_by", sa.String(length=200), nullable=True),
        sa.Column("granted_by_user_id", _ID, nullable=True),
        sa.CheckConstraint("length(reason) >= 3", name=op.f("ck_research_grant_reason")),
        sa.ForeignKeyConstraint(
            ["user_id"], ["app_user.id"], name=op.f("fk_research_grant_user_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_research_grant_programme_id_programme"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_research_grant")),
    )
    with op.batch_alter_table("research_grant", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_research_grant_user_id"), ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("research_grant", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_research_grant_user_id"))
    op.drop_table("research_grant")
