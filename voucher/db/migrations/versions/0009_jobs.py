"""Hostile input and long work: refused scans keep the time they were scanned (offline
scans are judged at their own time).

Revision ID: 0009_jobs
Revises: 0006_impact
"""

import sqlalchemy as sa
from alembic import op

import voucher.db.types

revision = "0009_jobs"
down_revision = "0007_money"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("refused_scan", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scanned_at", voucher.db.types.UTCDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("refused_scan", schema=None) as batch_op:
        batch_op.drop_column("scanned_at")
