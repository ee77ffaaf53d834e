"""Places that join by themselves: SIRENE extract, applications, eligibility questions,
addresses of presence, supporting documents.

Revision ID: 0014_places
Revises: 0006_impact
"""

import sqlalchemy as sa
from alembic import op

import voucher.db.types

#: the default eligibility questionnaire (the operator changes it in the table)
QUESTIONS = [
    (1, "Proposez-vous un accompagnement au numérique à des personnes qui en sont éloignées ?"),
    (2, "L'accompagnement est-il gratuit pour la personne qui présente un pass ?"),
    (3, "Votre lieu accueille-t-il du public au moins une demi-journée par semaine ?"),
]


revision = "0014_places"
down_revision = "0013_evaluation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "eligibility_question",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=300), nullable=False),
        sa.Column("expected", sa.String(length=3), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.CheckConstraint(
            "expected IN ('oui', 'non')", name=op.f("ck_eligibility_question_expected")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_eligibility_question")),
    )
    op.create_table(
        "sirene_establishment",
        sa.Column("siret", sa.String(length=14), nullable=False),
        sa.Column("legal_name", sa.String(length=200), nullable=False),
        sa.Column("street_number", sa.String(length=20), nullable=True),
        sa.Column("street", sa.String(length=200), nullable=True),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("town", sa.String(length=100), nullable=True),
        sa.Column("commune_insee", sa.String(length=5), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("loaded_at", voucher.db.types.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("siret", name=op.f("pk_sirene_establishment")),
    )
    op.create_table(
        "place_application",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "organisation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("steps_done", sa.JSON(), nullable=False),
        sa.Column("legal_form", sa.String(length=20), nullable=True),
        sa.Column("phone", sa.String(length=20), nullable=True),
        sa.Column("summary", sa.String(length=280), nullable=True),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column("created_at", voucher.db.types.UTCDateTime(), nullable=False),
        sa.Column("updated_at", voucher.db.types.UTCDateTime(), nullable=False),
        sa.Column("submitted_at", voucher.db.types.UTCDateTime(), nullable=True),
        sa.Column("decided_at", voucher.db.types.UTCDateTime(), nullable=True),
        sa.Column(
            "decided_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("label_until", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'correction', 'validated')",
            name=op.f("ck_place_application_status"),
        ),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_place_application_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place_application")),
        sa.UniqueConstraint("organisation_id", name=op.f("uq_place_application_organisation_id")),
    )
    op.create_table(
        "place_document",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "organisation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("filename", sa.String(length=120), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("note", sa.String(length=500), nullable=True),
        sa.Column(
            "uploaded_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("uploaded_at", voucher.db.types.UTCDateTime(), nullable=False),
        sa.Column(
            "decided_by", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("decided_at", voucher.db.types.UTCDateTime(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'correction', 'validated')",
            name=op.f("ck_place_document_status"),
        ),
        sa.CheckConstraint("size_bytes > 0", name=op.f("ck_place_document_size")),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_place_document_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place_document")),
    )
    with op.batch_alter_table("place_document", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_place_document_organisation_id"), ["organisation_id"], unique=False
        )

    op.create_table(
        "place_site",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "organisation_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("street_number", sa.String(length=20), nullable=True),
        sa.Column("street", sa.String(length=200), nullable=False),
        sa.Column("postcode", sa.String(length=10), nullable=False),
        sa.Column("town", sa.String(length=100), nullable=False),
        sa.Column("commune_insee", sa.String(length=5), nullable=True),
        sa.Column("hours", sa.String(length=300), nullable=True),
        sa.Column("hours_text", sa.Text(), nullable=True),
        sa.Column("accessibility", sa.JSON(), nullable=False),
        sa.Column("created_at", voucher.db.types.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["organisation_id"],
            ["organisation.id"],
            name=op.f("fk_place_site_organisation_id_organisation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_place_site")),
    )
    with op.batch_alter_table("place_site", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_place_site_commune_insee"), ["commune_insee"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_place_site_organisation_id"), ["organisation_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_place_site_postcode"), ["postcode"], unique=False)
    questions = sa.table(
        "eligibility_question",
        sa.column("position", sa.Integer),
        sa.column("text", sa.String),
        sa.column("expected", sa.String),
        sa.column("active", sa.Boolean),
    )
    op.bulk_insert(
        questions,
        [{"position": p, "text": t, "expected": "oui", "active": True} for p, t in QUESTIONS],
    )


def downgrade() -> None:
    with op.batch_alter_table("place_site", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_place_site_postcode"))
        batch_op.drop_index(batch_op.f("ix_place_site_organisation_id"))
        batch_op.drop_index(batch_op.f("ix_place_site_commune_insee"))

    op.drop_table("place_site")
    with op.batch_alter_table("place_document", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_place_document_organisation_id"))

    op.drop_table("place_document")
    op.drop_table("place_application")
    op.drop_table("sirene_establishment")
    op.drop_table("eligibility_question")
