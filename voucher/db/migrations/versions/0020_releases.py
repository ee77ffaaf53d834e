"""Impact releases: numbered, frozen publications of the impact figures (docs/impact.md).

Revision ID: 0020_releases
Revises: 0015_jobs
"""

import sqlalchemy as sa
from alembic import op

import voucher.db.types

revision = "0020_releases"
down_revision = "0019_bank_counterparty"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "impact_release",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=7), nullable=False),
        sa.Column("programmes", sa.JSON(), nullable=False),
        sa.Column("threshold", sa.Integer(), nullable=False),
        sa.Column("created_at", voucher.db.types.UTCDateTime(), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("views", sa.JSON(), nullable=False),
        sa.Column("pattern", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.CheckConstraint("number >= 1", name=op.f("ck_impact_release_number")),
        sa.CheckConstraint("threshold >= 11", name=op.f("ck_impact_release_threshold")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_impact_release")),
        sa.UniqueConstraint("number", name=op.f("uq_impact_release_number")),
    )


def downgrade() -> None:
    op.drop_table("impact_release")
