"""Impact exports (issue #8) — placeholder kept in the chain so that each feature adds its tables here.

Revision ID: 0006_impact
Revises: 0005_finance
"""
from alembic import op  # noqa: F401
import sqlalchemy as sa  # noqa: F401

revision = "0006_impact"
down_revision = "0005_finance"
branch_labels = None
depends_on = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
