"""Evaluation: the follow-up answer ("has done the procedure alone since") and the
comparison group a funder declares for the before/after.

Revision ID: 0022_follow_up
Revises: 0015_jobs
"""

import sqlalchemy as sa
from alembic import op

import voucher.db.types

revision = "0022_follow_up"
down_revision = "0020_releases"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "comparison_group",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("programme_id", _ID, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=False),
        sa.Column("declared_at", voucher.db.types.UTCDateTime(), nullable=False),
        sa.Column("declared_by", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "kind IN ('zone','liste_attente')", name=op.f("ck_comparison_group_kind")
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_comparison_group_programme_id_programme"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_comparison_group")),
        sa.UniqueConstraint("programme_id", name=op.f("uq_comparison_group_programme_id")),
    )
    op.create_table(
        "follow_up",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("programme_id", _ID, nullable=False),
        sa.Column("beneficiary_id", _ID, nullable=False),
        sa.Column("cohort", sa.String(length=12), nullable=False),
        sa.Column("moment", sa.String(length=6), nullable=False),
        sa.Column("answer", sa.String(length=30), nullable=False),
        sa.Column("observed_on", sa.Date(), nullable=False),
        sa.Column("organisation_id", _ID, nullable=False),
        sa.Column("recorder_role", sa.String(length=12), nullable=False),
        sa.Column("recorded_at", voucher.db.types.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "answer IN ('autonome','partiellement_autonome','entierement_accompagne',"
            "'non_communique')",
            name=op.f("ck_follow_up_answer"),
        ),
        sa.CheckConstraint("moment IN ('avant','apres')", name=op.f("ck_follow_up_moment")),
        sa.CheckConstraint("cohort IN ('pilote','comparaison')", name=op.f("ck_follow_up_cohort")),
        sa.CheckConstraint(
            "recorder_role IN ('structure','prescriber')", name=op.f("ck_follow_up_role")
        ),
        sa.ForeignKeyConstraint(
            ["programme_id"], ["programme.id"], name=op.f("fk_follow_up_programme_id_programme")
        ),
        sa.ForeignKeyConstraint(
            ["beneficiary_id"],
            ["beneficiary.id"],
            name=op.f("fk_follow_up_beneficiary_id_beneficiary"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_follow_up_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_follow_up")),
    )
    op.create_index(op.f("ix_follow_up_programme_id"), "follow_up", ["programme_id"])
    op.create_index(op.f("ix_follow_up_beneficiary_id"), "follow_up", ["beneficiary_id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_follow_up_beneficiary_id"), table_name="follow_up")
    op.drop_index(op.f("ix_follow_up_programme_id"), table_name="follow_up")
    op.drop_table("follow_up")
    op.drop_table("comparison_group")
