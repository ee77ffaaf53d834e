"""The month close claims scans through ix_redemption_to_state (partial: accepted scans not
yet stated) and reads a statement's scans through ix_redemption_statement; the older
ix_redemption_unstated (structure, statement, status) served neither any more and cost one
index entry more on every scan recorded and every scan a close claims.

Revision ID: 0036_close_index
Revises: 0023_density_grid
"""

from alembic import op

revision = "0036_close_index"
down_revision = "0023_density_grid"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("redemption", schema=None) as batch_op:
        batch_op.drop_index("ix_redemption_unstated")


def downgrade() -> None:
    with op.batch_alter_table("redemption", schema=None) as batch_op:
        batch_op.create_index(
            "ix_redemption_unstated", ["structure_id", "statement_id", "status"], unique=False
        )
