"""Fraud rules and holds (issue #6) — placeholder kept in the chain so that each feature adds its tables here.

Revision ID: 0004_fraud
Revises: 0003_api
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0004_fraud"
down_revision = "0003_api"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
