"""JSON API: idempotency (issue #5) — placeholder kept in the chain so that each feature adds its tables here.

Revision ID: 0003_api
Revises: 0002_print
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0003_api"
down_revision = "0002_print"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
