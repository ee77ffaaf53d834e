"""Long work off the request: the job table (docs/jobs.md).

Revision ID: 0015_jobs
Revises: 0014_places
"""

import sqlalchemy as sa
from alembic import op

import voucher.db.types

revision = "0015_jobs"
down_revision = "0014_places"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "job",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("kind", sa.String(length=50), nullable=False),
        sa.Column("state", sa.String(length=10), nullable=False),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("progress_done", sa.Integer(), nullable=False),
        sa.Column("progress_total", sa.Integer(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=True),
        sa.Column("error_code", sa.String(length=60), nullable=True),
        sa.Column("idempotency_key", sa.String(length=255), nullable=True),
        sa.Column("created_by", sa.String(length=60), nullable=False),
        sa.Column(
            "organisation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("created_at", voucher.db.types.UTCDateTime(), nullable=False),
        sa.Column("started_at", voucher.db.types.UTCDateTime(), nullable=True),
        sa.Column("finished_at", voucher.db.types.UTCDateTime(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_job_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_job")),
        sa.UniqueConstraint("created_by", "kind", "idempotency_key", name="uq_job_idempotency"),
    )
    op.create_index("ix_job_state", "job", ["state"], unique=False)
    op.create_index(op.f("ix_job_organisation_id"), "job", ["organisation_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_job_organisation_id"), table_name="job")
    op.drop_index("ix_job_state", table_name="job")
    op.drop_table("job")
