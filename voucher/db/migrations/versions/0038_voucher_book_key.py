"""A voucher's two foreign keys (book, programme) become one, ``(book_id, programme_id)``
to the book's ``(id, programme_id)``, unique on ``book``: one check per voucher written
instead of two (issuing a batch writes tens of thousands), and a voucher's programme is
now the database's rule too, not only the issuer's (the programme exists: the book's key
says so).

SQLite cannot change a table's foreign keys: ``voucher`` is rebuilt (batch mode), with its
indexes and constraints; env.py turns SQLite's foreign keys off around the migrations and
checks them all before the commit, since dropping the old table would otherwise be
refused while scans refer to its rows.

Revision ID: 0038_voucher_book_key
Revises: 0036_close_index
"""

from alembic import op

revision = "0038_voucher_book_key"
down_revision = "0036_close_index"
branch_labels = None
depends_on = None

KEY = "fk_voucher_book_programme"
OLD_KEYS = {  # name: (column, table referred to by its id)
    "fk_voucher_book_id_book": ("book_id", "book"),
    "fk_voucher_programme_id_programme": ("programme_id", "programme"),
}


def upgrade() -> None:
    with op.batch_alter_table("book", schema=None) as batch_op:
        batch_op.create_index("ix_book_id_programme", ["id", "programme_id"], unique=True)
    with op.batch_alter_table("voucher", schema=None) as batch_op:
        for name in OLD_KEYS:
            batch_op.drop_constraint(name, type_="foreignkey")
        batch_op.create_foreign_key(
            KEY, "book", ["book_id", "programme_id"], ["id", "programme_id"]
        )


def downgrade() -> None:
    with op.batch_alter_table("voucher", schema=None) as batch_op:
        batch_op.drop_constraint(KEY, type_="foreignkey")
        for name, (column, table) in OLD_KEYS.items():
            batch_op.create_foreign_key(name, table, [column], ["id"])
    with op.batch_alter_table("book", schema=None) as batch_op:
        batch_op.drop_index("ix_book_id_programme")
