"""Month close and payments: close records, gap-free statements, payment runs and
transfers, second approvals, bank imports, credit notes, and the close's look-up index.

Revision ID: 0005_finance
Revises: 0004_fraud
"""

import sqlalchemy as sa
from alembic import op

import voucher.db.types

revision = "0005_finance"
down_revision = "0004_fraud"
branch_labels = None
depends_on = None

_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_TS = voucher.db.types.UTCDateTime


def _id() -> sa.Column:
    return sa.Column("id", _ID, autoincrement=True, nullable=False)


def _fk(table: str, column: str, target: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{target}.id"], name=op.f(f"fk_{table}_{column}_{target}")
    )


def upgrade() -> None:
    lock = op.create_table(
        "finance_lock",
        sa.Column("name", sa.String(20), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_finance_lock")),
    )
    op.bulk_insert(
        lock, [{"name": "close"}, {"name": "payment"}, {"name": "bank"}, {"name": "credit_note"}]
    )
    op.create_table(
        "document_sequence",
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_number", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("kind", "year", name=op.f("pk_document_sequence")),
    )
    op.create_table(
        "month_close",
        _id(),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("first_closed_at", _TS(), nullable=False),
        sa.Column("last_run_at", _TS(), nullable=False),
        sa.Column("closed_by", _ID, nullable=True),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("statements_count", sa.Integer(), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("blocked", sa.JSON(), nullable=False),
        sa.Column("journal_hash", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_month_close")),
        sa.UniqueConstraint("period", name=op.f("uq_month_close_period")),
    )
    _statements()
    _payments()
    _bank_and_credit_notes()
    with op.batch_alter_table("redemption", schema=None) as batch_op:
        batch_op.create_index(
            "ix_redemption_to_state",
            ["structure_id", "scanned_at"],
            unique=False,
            postgresql_where=sa.text("status = 'accepted' AND statement_id IS NULL"),
            sqlite_where=sa.text("status = 'accepted' AND statement_id IS NULL"),
        )
        batch_op.create_index(
            "ix_redemption_statement",
            ["statement_id"],
            unique=False,
            postgresql_where=sa.text("statement_id IS NOT NULL"),
            sqlite_where=sa.text("statement_id IS NOT NULL"),
        )


def _statements() -> None:
    op.create_table(
        "statement",
        _id(),
        sa.Column("number", sa.String(20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("structure_id", _ID, nullable=False),
        sa.Column("close_id", _ID, nullable=False),
        sa.Column("period", sa.String(7), nullable=False),
        sa.Column("first_scan_at", _TS(), nullable=False),
        sa.Column("period_end", _TS(), nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("bank_account_id", _ID, nullable=False),
        sa.Column("status", sa.String(12), nullable=False),
        sa.Column("journal_hash", sa.String(64), nullable=False),
        sa.Column("created_at", _TS(), nullable=False),
        sa.Column("created_by", _ID, nullable=True),
        sa.Column("paid_at", _TS(), nullable=True),
        sa.CheckConstraint(
            "status IN ('open','in_payment','paid','rejected')", name=op.f("ck_statement_status")
        ),
        sa.CheckConstraint("total_cents > 0 AND line_count > 0", name=op.f("ck_statement_total")),
        _fk("statement", "structure_id", "organisation"),
        _fk("statement", "close_id", "month_close"),
        _fk("statement", "bank_account_id", "bank_account"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_statement")),
        sa.UniqueConstraint("number", name=op.f("uq_statement_number")),
        sa.UniqueConstraint("year", "seq", name=op.f("uq_statement_year")),
    )
    with op.batch_alter_table("statement", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_statement_close_id"), ["close_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_statement_period"), ["period"], unique=False)
        batch_op.create_index(
            "ix_statement_structure_status", ["structure_id", "status"], unique=False
        )
    op.create_table(
        "statement_programme",
        sa.Column("statement_id", _ID, nullable=False),
        sa.Column("programme_id", _ID, nullable=False),
        sa.Column("line_count", sa.Integer(), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        _fk("statement_programme", "statement_id", "statement"),
        _fk("statement_programme", "programme_id", "programme"),
        sa.PrimaryKeyConstraint(
            "statement_id", "programme_id", name=op.f("pk_statement_programme")
        ),
    )
    with op.batch_alter_table("statement_programme", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_statement_programme_programme_id"), ["programme_id"], unique=False
        )


def _payments() -> None:
    op.create_table(
        "payment_run",
        _id(),
        sa.Column("reference", sa.String(35), nullable=False),
        sa.Column("pain_version", sa.String(20), nullable=False),
        sa.Column("execution_date", sa.Date(), nullable=False),
        sa.Column("created_at", _TS(), nullable=False),
        sa.Column("created_by", _ID, nullable=True),
        sa.Column("transfer_count", sa.Integer(), nullable=False),
        sa.Column("total_cents", sa.BigInteger(), nullable=False),
        sa.Column("file", sa.LargeBinary(), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_run")),
        sa.UniqueConstraint("reference", name=op.f("uq_payment_run_reference")),
    )
    op.create_table(
        "payment_transfer",
        _id(),
        sa.Column("run_id", _ID, nullable=False),
        sa.Column("statement_id", _ID, nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("end_to_end_id", sa.String(35), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("creditor_name", sa.String(140), nullable=False),
        sa.Column("iban", sa.String(34), nullable=False),
        sa.Column("bic", sa.String(11), nullable=True),
        sa.Column("bank_account_id", _ID, nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("send_entry_id", _ID, nullable=False),
        sa.Column("settle_entry_id", _ID, nullable=True),
        sa.Column("settled_at", _TS(), nullable=True),
        sa.Column("settled_by", _ID, nullable=True),
        sa.Column("bank_import_id", _ID, nullable=True),
        sa.Column("reason", sa.String(200), nullable=True),
        sa.CheckConstraint(
            "status IN ('sent','paid','rejected','returned')",
            name=op.f("ck_payment_transfer_status"),
        ),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_payment_transfer_amount")),
        _fk("payment_transfer", "run_id", "payment_run"),
        _fk("payment_transfer", "statement_id", "statement"),
        _fk("payment_transfer", "bank_account_id", "bank_account"),
        sa.ForeignKeyConstraint(
            ["send_entry_id"],
            ["journal_entry.id"],
            name=op.f("fk_payment_transfer_send_entry_id_journal_entry"),
        ),
        sa.ForeignKeyConstraint(
            ["settle_entry_id"],
            ["journal_entry.id"],
            name=op.f("fk_payment_transfer_settle_entry_id_journal_entry"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_transfer")),
        sa.UniqueConstraint("end_to_end_id", name=op.f("uq_payment_transfer_end_to_end_id")),
        sa.UniqueConstraint(
            "statement_id", "attempt", name=op.f("uq_payment_transfer_statement_id")
        ),
    )
    with op.batch_alter_table("payment_transfer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payment_transfer_run_id"), ["run_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_payment_transfer_status"), ["status"], unique=False)
        batch_op.create_index(
            "uq_payment_transfer_live",
            ["statement_id"],
            unique=True,
            postgresql_where=sa.text("status IN ('sent','paid')"),
            sqlite_where=sa.text("status IN ('sent','paid')"),
        )
    op.create_table(
        "payment_approval",
        _id(),
        sa.Column("statement_id", _ID, nullable=False),
        sa.Column("bank_account_id", _ID, nullable=False),
        sa.Column("user_id", _ID, nullable=False),
        sa.Column("at", _TS(), nullable=False),
        _fk("payment_approval", "statement_id", "statement"),
        _fk("payment_approval", "bank_account_id", "bank_account"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payment_approval")),
        sa.UniqueConstraint(
            "statement_id",
            "bank_account_id",
            "user_id",
            name=op.f("uq_payment_approval_statement_id"),
        ),
    )
    with op.batch_alter_table("payment_approval", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_payment_approval_statement_id"), ["statement_id"], unique=False
        )


def _bank_and_credit_notes() -> None:
    op.create_table(
        "bank_import",
        _id(),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("filename", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("status", sa.String(10), nullable=False),
        sa.Column("lines", sa.JSON(), nullable=False),
        sa.Column("created_at", _TS(), nullable=False),
        sa.Column("created_by", _ID, nullable=True),
        sa.Column("applied_at", _TS(), nullable=True),
        sa.Column("applied_by", _ID, nullable=True),
        sa.CheckConstraint("status IN ('pending','applied')", name=op.f("ck_bank_import_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bank_import")),
        sa.UniqueConstraint("sha256", name=op.f("uq_bank_import_sha256")),
    )
    op.create_table(
        "credit_note",
        _id(),
        sa.Column("number", sa.String(20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("programme_id", _ID, nullable=False),
        sa.Column("funder_id", _ID, nullable=False),
        sa.Column("share_bp", sa.Integer(), nullable=False),
        sa.Column("amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("programme_breakage_cents", sa.BigInteger(), nullable=False),
        sa.Column("since", _TS(), nullable=True),
        sa.Column("created_at", _TS(), nullable=False),
        sa.Column("created_by", _ID, nullable=True),
        sa.Column("entry_id", _ID, nullable=False),
        sa.Column("refund_entry_id", _ID, nullable=False),
        sa.CheckConstraint("amount_cents > 0", name=op.f("ck_credit_note_amount")),
        _fk("credit_note", "programme_id", "programme"),
        _fk("credit_note", "funder_id", "organisation"),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entry.id"], name=op.f("fk_credit_note_entry_id_journal_entry")
        ),
        sa.ForeignKeyConstraint(
            ["refund_entry_id"],
            ["journal_entry.id"],
            name=op.f("fk_credit_note_refund_entry_id_journal_entry"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_note")),
        sa.UniqueConstraint("number", name=op.f("uq_credit_note_number")),
        sa.UniqueConstraint("year", "seq", name=op.f("uq_credit_note_year")),
    )
    with op.batch_alter_table("credit_note", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credit_note_programme_id"), ["programme_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("redemption", schema=None) as batch_op:
        batch_op.drop_index("ix_redemption_statement")
        batch_op.drop_index("ix_redemption_to_state")
    for table in (
        "credit_note",
        "bank_import",
        "payment_approval",
        "payment_transfer",
        "payment_run",
        "statement_programme",
        "statement",
        "month_close",
        "document_sequence",
        "finance_lock",
    ):
        op.drop_table(table)
