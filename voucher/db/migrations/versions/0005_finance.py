"""Month close and payments (issue #7) — placeholder kept in the chain so that each feature adds its tables here.

Revision ID: 0005_finance
Revises: 0004_fraud
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0005_finance"
down_revision = "0004_fraud"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
