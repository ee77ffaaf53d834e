"""Ledger guards installed by the migrations (the database layer of the invariants).

PostgreSQL: a deferred constraint trigger checks at COMMIT that every entry touched has
exactly its declared number of postings and that they sum to zero; BEFORE UPDATE/DELETE
triggers make the journal, seals and audit log append-only.

SQLite has no deferred triggers. The equivalent guard: an entry declares its number of
postings; inserting one posting more is refused, and when the last posting arrives the
entry must sum to zero or the insert is aborted. An entry left with too few postings can
only come from a crash inside one transaction, which SQLite rolls back; ``voucher audit``
still checks it.
"""

from __future__ import annotations

from typing import Any

APPEND_ONLY = ("journal_entry", "posting", "journal_seal", "audit_event")

#: "%" is doubled because psycopg reads it as a placeholder marker
PG_UP = [
    """
    CREATE OR REPLACE FUNCTION voucher_entry_balanced() RETURNS trigger AS $$
    DECLARE total bigint; n int; expected int; entry bigint;
    BEGIN
      IF TG_TABLE_NAME = 'posting' THEN entry := NEW.entry_id; ELSE entry := NEW.id; END IF;
      SELECT coalesce(sum(amount), 0), count(*) INTO total, n FROM posting WHERE entry_id = entry;
      SELECT posting_count INTO expected FROM journal_entry WHERE id = entry;
      IF total <> 0 OR n <> expected THEN
        RAISE EXCEPTION 'unbalanced_entry: entry %% (sum %%, %% of %% postings)', entry, total, n, expected
          USING ERRCODE = 'check_violation';
      END IF;
      RETURN NULL;
    END $$ LANGUAGE plpgsql
    """,
    """
    CREATE CONSTRAINT TRIGGER posting_balanced AFTER INSERT ON posting
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION voucher_entry_balanced()
    """,
    """
    CREATE CONSTRAINT TRIGGER entry_balanced AFTER INSERT ON journal_entry
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION voucher_entry_balanced()
    """,
    """
    CREATE OR REPLACE FUNCTION voucher_append_only() RETURNS trigger AS $$
    BEGIN
      RAISE EXCEPTION 'append_only: %% rows are never updated or deleted', TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
    END $$ LANGUAGE plpgsql
    """,
] + [
    f"CREATE TRIGGER {t}_append_only BEFORE UPDATE OR DELETE ON {t} "
    f"FOR EACH ROW EXECUTE FUNCTION voucher_append_only()"
    for t in APPEND_ONLY
]

PG_DOWN = [f"DROP TRIGGER IF EXISTS {t}_append_only ON {t}" for t in APPEND_ONLY] + [
    "DROP TRIGGER IF EXISTS entry_balanced ON journal_entry",
    "DROP TRIGGER IF EXISTS posting_balanced ON posting",
    "DROP FUNCTION IF EXISTS voucher_append_only()",
    "DROP FUNCTION IF EXISTS voucher_entry_balanced()",
]

_COUNT = "(SELECT count(*) FROM posting WHERE entry_id = NEW.entry_id)"
_EXPECTED = "(SELECT posting_count FROM journal_entry WHERE id = NEW.entry_id)"
SQLITE_UP = [
    f"""CREATE TRIGGER posting_overflow BEFORE INSERT ON posting
    WHEN {_COUNT} >= coalesce({_EXPECTED}, 0)
    BEGIN SELECT RAISE(ABORT, 'unbalanced_entry: too many postings or no entry'); END""",
    f"""CREATE TRIGGER posting_balanced AFTER INSERT ON posting
    WHEN {_COUNT} = {_EXPECTED}
     AND (SELECT sum(amount) FROM posting WHERE entry_id = NEW.entry_id) <> 0
    BEGIN SELECT RAISE(ABORT, 'unbalanced_entry: postings do not sum to zero'); END""",
] + [
    f"""CREATE TRIGGER {t}_append_only_{op.lower()} BEFORE {op} ON {t}
    BEGIN SELECT RAISE(ABORT, 'append_only: {t} rows are never updated or deleted'); END"""
    for t in APPEND_ONLY
    for op in ("UPDATE", "DELETE")
]

SQLITE_DOWN = [
    "DROP TRIGGER IF EXISTS posting_overflow",
    "DROP TRIGGER IF EXISTS posting_balanced",
] + [
    f"DROP TRIGGER IF EXISTS {t}_append_only_{op}"
    for t in APPEND_ONLY
    for op in ("update", "delete")
]


def create_ledger_guards(bind: Any) -> None:
    for statement in PG_UP if bind.dialect.name == "postgresql" else SQLITE_UP:
        bind.exec_driver_sql(statement)


def drop_ledger_guards(bind: Any) -> None:
    for statement in PG_DOWN if bind.dialect.name == "postgresql" else SQLITE_DOWN:
        bind.exec_driver_sql(statement)
