"""Distances in the letter given with a carnet: a place's position (latitude and longitude,
WGS 84, from the national file of *lieux de médiation numérique*, on the organisation and
on each of its sites) and each commune's centre, loaded from a file
(``voucher communes centres``).

Revision ID: 0033_located_places
Revises: 0023_density_grid
"""

import sqlalchemy as sa
from alembic import op

revision = "0033_located_places"
down_revision = "0031_funder_invoices"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table in ("organisation", "place_site"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column("latitude", sa.Float(), nullable=True))
            batch_op.add_column(sa.Column("longitude", sa.Float(), nullable=True))
    op.create_table(
        "commune_centre",
        sa.Column("code", sa.String(length=5), nullable=False),
        sa.Column("latitude", sa.Float(), nullable=False),
        sa.Column("longitude", sa.Float(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_commune_centre")),
    )


def downgrade() -> None:
    op.drop_table("commune_centre")
    for table in ("place_site", "organisation"):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column("longitude")
            batch_op.drop_column("latitude")
