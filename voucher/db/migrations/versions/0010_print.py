"""Print files that follow the ledger: the books each production holds, the proof it
follows; the funder's logo and the programme's own cover text.

Revision ID: 0010_print
Revises: 0006_impact
"""

import sqlalchemy as sa
from alembic import op

import voucher.db.types

revision = "0010_print"
down_revision = "0009_jobs"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = voucher.db.types.UTCDateTime()


def upgrade() -> None:
    op.create_table(
        "print_file_book",
        sa.Column("print_file_id", _ID, nullable=False),
        sa.Column("book_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["print_file_id"],
            ["print_file.id"],
            name=op.f("fk_print_file_book_print_file_id_print_file"),
        ),
        sa.ForeignKeyConstraint(
            ["book_id"], ["book.id"], name=op.f("fk_print_file_book_book_id_book")
        ),
        sa.PrimaryKeyConstraint("print_file_id", "book_id", name=op.f("pk_print_file_book")),
    )
    with op.batch_alter_table("print_file_book", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_print_file_book_book_id"), ["book_id"], unique=False)
    with op.batch_alter_table("print_file", schema=None) as batch_op:
        batch_op.add_column(sa.Column("proof_id", _ID, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_print_file_proof_id_print_file"), "print_file", ["proof_id"], ["id"]
        )
    op.create_table(
        "programme_logo",
        sa.Column("programme_id", _ID, nullable=False),
        sa.Column("png", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_at", _AT, nullable=False),
        sa.Column("uploaded_by", _ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_programme_logo_programme_id_programme"),
        ),
        sa.PrimaryKeyConstraint("programme_id", name=op.f("pk_programme_logo")),
    )
    op.create_table(
        "programme_cover",
        sa.Column("programme_id", _ID, nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("updated_at", _AT, nullable=False),
        sa.Column("updated_by", _ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["programme_id"],
            ["programme.id"],
            name=op.f("fk_programme_cover_programme_id_programme"),
        ),
        sa.PrimaryKeyConstraint("programme_id", name=op.f("pk_programme_cover")),
    )


def downgrade() -> None:
    op.drop_table("programme_cover")
    op.drop_table("programme_logo")
    with op.batch_alter_table("print_file", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_print_file_proof_id_print_file"), type_="foreignkey"
        )
        batch_op.drop_column("proof_id")
    with op.batch_alter_table("print_file_book", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_print_file_book_book_id"))
    op.drop_table("print_file_book")
