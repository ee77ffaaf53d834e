"""Printed carnets (issue #3) — placeholder kept in the chain so that each feature adds its tables here.

Revision ID: 0002_print
Revises: 0001_core
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0002_print"
down_revision = "0001_core"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
