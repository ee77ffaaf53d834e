"""On PostgreSQL, a voucher's key to its book, ``(book_id, programme_id)`` to the book's
``(id, programme_id)`` (migration 0038), is checked once per statement over the rows it
wrote instead of once per row: a batch's ``COPY`` of tens of thousands of vouchers ran the
foreign key's lookup for each (≈ 3 µs a row, two thirds of what writing the row and its
four index entries costs), where one query over the statement's distinct books does the
same.

The rule does not change, nor what is refused, nor the error (``foreign_key_violation``,
the key's name and PostgreSQL's own wording):

* ``voucher_book_key`` after each ``INSERT`` statement (its rows as a transition table)
  and after each row whose ``book_id`` or ``programme_id`` an ``UPDATE`` changes (nothing
  runs for updates of other columns, such as a scan's): every pair written must be a
  book's, and those books are locked ``FOR KEY SHARE`` until the commit, as the foreign
  key locked them, so that a concurrent delete or change of a book's key waits;
* ``voucher_book_key_referred`` after a book is deleted or its ``id`` or
  ``programme_id`` changed: refused while a voucher still refers to the old pair (what the
  foreign key's other side did). It runs after the row is the writer's own, so it sees
  the vouchers of a writer it waited for (read committed: each statement of the function
  takes a fresh snapshot). Under repeatable read it could not (a foreign key's
  cross-check snapshot is not available to a trigger), so there it refuses the delete or
  the key change outright (fail closed); the application runs read committed and deletes
  no book.

SQLite keeps the foreign key (its check is cheap, and SQLite has no statement-level
trigger): the model declares it for SQLite only (``ddl_if``).

Revision ID: 0042_book_key_per_statement
Revises: 0039_account_parts
"""

from alembic import op

revision = "0042_book_key_per_statement"
down_revision = "0039_account_parts"
branch_labels = None
depends_on = None

KEY = "fk_voucher_book_programme"

# no "%" below: the statements go to the driver as they are
PG_UP = [
    f"ALTER TABLE voucher DROP CONSTRAINT {KEY}",
    f"""
    CREATE FUNCTION voucher_book_key() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE
      books bigint[];
      programmes bigint[];
      found bigint;
      missing record;
    BEGIN
      IF TG_LEVEL = 'ROW' THEN
        books := ARRAY[NEW.book_id];
        programmes := ARRAY[NEW.programme_id];
      ELSE
        SELECT coalesce(array_agg(book_id), '{{}}'), coalesce(array_agg(programme_id), '{{}}')
          INTO books, programmes
          FROM (SELECT DISTINCT book_id, programme_id FROM written) AS w;
      END IF;
      SELECT count(*) INTO found FROM (
        SELECT FROM book AS b
          JOIN unnest(books, programmes) AS w (book_id, programme_id)
            ON b.id = w.book_id AND b.programme_id = w.programme_id
         WHERE b.id = ANY (books)
           FOR KEY SHARE OF b) AS locked;
      IF found < cardinality(books) THEN
        SELECT w.book_id, w.programme_id INTO missing
          FROM unnest(books, programmes) AS w (book_id, programme_id)
         WHERE NOT EXISTS (
           SELECT FROM book AS b WHERE b.id = w.book_id AND b.programme_id = w.programme_id)
         LIMIT 1;
        RAISE foreign_key_violation USING
          MESSAGE = 'insert or update on table "voucher" violates foreign key constraint "{KEY}"',
          DETAIL = 'Key (book_id, programme_id)=(' || coalesce(missing.book_id::text, '?')
                   || ', ' || coalesce(missing.programme_id::text, '?')
                   || ') is not present in table "book".',
          TABLE = 'voucher',
          CONSTRAINT = '{KEY}';
      END IF;
      RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER voucher_book_key_written AFTER INSERT ON voucher
    REFERENCING NEW TABLE AS written
    FOR EACH STATEMENT EXECUTE FUNCTION voucher_book_key()
    """,
    """
    CREATE TRIGGER voucher_book_key_moved AFTER UPDATE OF book_id, programme_id ON voucher
    FOR EACH ROW
    WHEN (OLD.book_id <> NEW.book_id OR OLD.programme_id <> NEW.programme_id)
    EXECUTE FUNCTION voucher_book_key()
    """,
    f"""
    CREATE FUNCTION voucher_book_key_referred() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND NEW.id = OLD.id AND NEW.programme_id = OLD.programme_id THEN
        RETURN NULL;
      END IF;
      IF current_setting('transaction_isolation') <> 'read committed' THEN
        -- the check below needs a fresh snapshot per statement: refuse rather than miss
        RAISE foreign_key_violation USING
          MESSAGE = 'a book''s key changes only under read committed (constraint "{KEY}")',
          TABLE = 'book',
          CONSTRAINT = '{KEY}';
      END IF;
      IF EXISTS (
        SELECT FROM voucher WHERE book_id = OLD.id AND programme_id = OLD.programme_id
      ) THEN
        RAISE foreign_key_violation USING
          MESSAGE = 'update or delete on table "book" violates foreign key constraint "{KEY}"'
                    || ' on table "voucher"',
          DETAIL = 'Key (id, programme_id)=(' || OLD.id || ', ' || OLD.programme_id
                   || ') is still referenced from table "voucher".',
          TABLE = 'book',
          CONSTRAINT = '{KEY}';
      END IF;
      RETURN NULL;
    END $$
    """,
    """
    CREATE TRIGGER voucher_book_key_referred AFTER DELETE OR UPDATE OF id, programme_id
    ON book FOR EACH ROW EXECUTE FUNCTION voucher_book_key_referred()
    """,
]

PG_DOWN = [
    "DROP TRIGGER voucher_book_key_referred ON book",
    "DROP TRIGGER voucher_book_key_moved ON voucher",
    "DROP TRIGGER voucher_book_key_written ON voucher",
    "DROP FUNCTION voucher_book_key_referred()",
    "DROP FUNCTION voucher_book_key()",
    f"ALTER TABLE voucher ADD CONSTRAINT {KEY} FOREIGN KEY (book_id, programme_id) "
    "REFERENCES book (id, programme_id)",
]


def _run(statements: list[str]) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return  # SQLite keeps its foreign key
    for statement in statements:
        bind.exec_driver_sql(statement)


def upgrade() -> None:
    _run(PG_UP)


def downgrade() -> None:
    _run(PG_DOWN)
