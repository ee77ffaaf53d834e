"""JSON API: idempotency records (one stored answer per organisation, scope and key).

Revision ID: 0003_api
Revises: 0002_print
"""

import sqlalchemy as sa
from alembic import op

import voucher.db.types

revision = "0003_api"
down_revision = "0002_print"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "api_idempotency",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("organisation_id", _ID, nullable=False),
        sa.Column("api_key_id", _ID, nullable=True),
        sa.Column("scope", sa.String(length=40), nullable=False),
        sa.Column("key", sa.String(length=100), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("status", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=True),
        sa.Column("created_at", voucher.db.types.UTCDateTime(), nullable=False),
        sa.Column("completed_at", voucher.db.types.UTCDateTime(), nullable=True),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_api_idempotency_organisation_id_organisation"),
        ),
        sa.ForeignKeyConstraint(
            ["api_key_id"], ["api_key.id"], name=op.f("fk_api_idempotency_api_key_id_api_key")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_idempotency")),
        sa.UniqueConstraint("organisation_id", "scope", "key", name="uq_api_idempotency_key"),
    )


def downgrade() -> None:
    op.drop_table("api_idempotency")
