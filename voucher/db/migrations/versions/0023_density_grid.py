"""INSEE density grids of 3, 4 or 7 levels: a pilot zone's commune keeps the level read
in its own grid, the grid's size and year; a beneficiary keeps the year of the grid its
class was copied from.

Revision ID: 0023_density_grid
Revises: 0015_jobs
"""

import sqlalchemy as sa
from alembic import op

revision = "0023_density_grid"
down_revision = "0022_follow_up"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pilot_zone_commune", schema=None) as batch_op:
        batch_op.add_column(sa.Column("density_level", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("density_levels", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("density_year", sa.Integer(), nullable=True))
    with op.batch_alter_table("beneficiary", schema=None) as batch_op:
        batch_op.add_column(sa.Column("density_year", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("beneficiary", schema=None) as batch_op:
        batch_op.drop_column("density_year")
    with op.batch_alter_table("pilot_zone_commune", schema=None) as batch_op:
        batch_op.drop_column("density_year")
        batch_op.drop_column("density_levels")
        batch_op.drop_column("density_level")
