"""Printed carnets: print files with their SHA-256, replaced books and vouchers.

Revision ID: 0002_print
Revises: 0001_core
"""

import sqlalchemy as sa
from alembic import op

import voucher.db.types

revision = "0002_print"
down_revision = "0001_core"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_AT = voucher.db.types.UTCDateTime()


def upgrade() -> None:
    op.create_table(
        "print_file",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("batch_id", _ID, nullable=False),
        sa.Column("book_id", _ID, nullable=True),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("media_type", sa.String(length=40), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size_bytes", sa.BigInteger(), nullable=False),
        sa.Column("books", sa.Integer(), nullable=False),
        sa.Column("vouchers", sa.Integer(), nullable=False),
        sa.Column("qr", sa.Boolean(), nullable=False),
        sa.Column("approved_at", _AT, nullable=True),
        sa.Column("approved_by", _ID, nullable=True),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("created_by", _ID, nullable=True),
        sa.CheckConstraint(
            "kind IN ('proof','production','replacement','csv')", name=op.f("ck_print_file_kind")
        ),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["batch.id"], name=op.f("fk_print_file_batch_id_batch")
        ),
        sa.ForeignKeyConstraint(["book_id"], ["book.id"], name=op.f("fk_print_file_book_id_book")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_print_file")),
    )
    with op.batch_alter_table("print_file", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_print_file_batch_id"), ["batch_id"], unique=False)

    op.create_table(
        "book_replacement",
        sa.Column("id", _ID, autoincrement=True, nullable=False),
        sa.Column("old_book_id", _ID, nullable=False),
        sa.Column("new_book_id", _ID, nullable=False),
        sa.Column("reason", sa.String(length=200), nullable=False),
        sa.Column("vouchers", sa.Integer(), nullable=False),
        sa.Column("created_at", _AT, nullable=False),
        sa.Column("created_by", _ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["old_book_id"], ["book.id"], name=op.f("fk_book_replacement_old_book_id_book")
        ),
        sa.ForeignKeyConstraint(
            ["new_book_id"], ["book.id"], name=op.f("fk_book_replacement_new_book_id_book")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_book_replacement")),
        sa.UniqueConstraint("old_book_id", name=op.f("uq_book_replacement_old_book_id")),
        sa.UniqueConstraint("new_book_id", name=op.f("uq_book_replacement_new_book_id")),
    )

    op.create_table(
        "voucher_replacement",
        sa.Column("old_voucher_id", _ID, nullable=False),
        sa.Column("new_voucher_id", _ID, nullable=False),
        sa.Column("replacement_id", _ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["old_voucher_id"],
            ["voucher.id"],
            name=op.f("fk_voucher_replacement_old_voucher_id_voucher"),
        ),
        sa.ForeignKeyConstraint(
            ["new_voucher_id"],
            ["voucher.id"],
            name=op.f("fk_voucher_replacement_new_voucher_id_voucher"),
        ),
        sa.ForeignKeyConstraint(
            ["replacement_id"],
            ["book_replacement.id"],
            name=op.f("fk_voucher_replacement_replacement_id_book_replacement"),
        ),
        sa.PrimaryKeyConstraint("old_voucher_id", name=op.f("pk_voucher_replacement")),
        sa.UniqueConstraint("new_voucher_id", name=op.f("uq_voucher_replacement_new_voucher_id")),
    )
    with op.batch_alter_table("voucher_replacement", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_voucher_replacement_replacement_id"), ["replacement_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("voucher_replacement", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_voucher_replacement_replacement_id"))
    op.drop_table("voucher_replacement")
    op.drop_table("book_replacement")
    with op.batch_alter_table("print_file", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_print_file_batch_id"))
    op.drop_table("print_file")
