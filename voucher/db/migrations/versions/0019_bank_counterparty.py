"""A bank line keeps its counterparty (the other party's name), so an accountant sees who
an unmatched line is from or for on the reconciliation.

Revision ID: 0019_bank_counterparty
Revises: 0015_jobs
"""

import sqlalchemy as sa
from alembic import op

revision = "0019_bank_counterparty"
down_revision = "0017_mail"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("bank_movement") as batch:
        batch.add_column(sa.Column("counterparty", sa.String(length=140), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("bank_movement") as batch:
        batch.drop_column("counterparty")
