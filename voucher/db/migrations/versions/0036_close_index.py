"""Two indexes of ``redemption`` that others cover, dropped: every scan recorded and every
scan a month close claims writes one entry in each index of the table.

* ix_redemption_unstated (structure, statement, status): the close claims scans through
  ix_redemption_to_state (partial: accepted scans not yet stated) and reads a statement's
  scans through ix_redemption_statement;
* ix_redemption_beneficiary_id (beneficiary): the leading column of
  ix_redemption_beneficiary_time (beneficiary, scanned_at), which serves the same look-ups.

Revision ID: 0036_close_index
Revises: 0023_density_grid
"""

from alembic import op

revision = "0036_close_index"
down_revision = "0033_located_places"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("redemption", schema=None) as batch_op:
        batch_op.drop_index("ix_redemption_unstated")
        batch_op.drop_index("ix_redemption_beneficiary_id")


def downgrade() -> None:
    with op.batch_alter_table("redemption", schema=None) as batch_op:
        batch_op.create_index("ix_redemption_beneficiary_id", ["beneficiary_id"], unique=False)
        batch_op.create_index(
            "ix_redemption_unstated", ["structure_id", "statement_id", "status"], unique=False
        )
