"""Month close, statements, payment runs, bank imports and credit notes.

Constraints repeat the finance rules: a statement number is unique and its (year, seq)
pair too (the gap-free sequence lives in ``document_sequence``, locked while numbering);
a statement has at most one live transfer (sent or paid: partial unique index), so no
redemption is paid twice; an EndToEndId is unique; a bank file is imported once (SHA-256) and a bank line
is recorded once (the bank's reference).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from voucher.db.models.activity import Redemption
from voucher.db.models.base import Base, pk
from voucher.db.types import BigId


class FinanceLock(Base):
    """One row per finance operation (``close``, ``payment``, ``bank``), locked ``FOR UPDATE``
    so that two finance users never run the same operation at once."""

    __tablename__ = "finance_lock"
    name: Mapped[str] = mapped_column(String(20), primary_key=True)


class DocumentSequence(Base):
    """Gap-free numbering: one row per document kind and year, locked while numbering."""

    __tablename__ = "document_sequence"
    kind: Mapped[str] = mapped_column(String(20), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_number: Mapped[int] = mapped_column(default=0)


class MonthClose(Base):
    """The close record of one Paris month; reruns add to it and never duplicate."""

    __tablename__ = "month_close"
    id: Mapped[int] = pk()
    period: Mapped[str] = mapped_column(String(7), unique=True)
    first_closed_at: Mapped[datetime]
    last_run_at: Mapped[datetime]
    closed_by: Mapped[int | None] = mapped_column(BigId)
    runs: Mapped[int] = mapped_column(default=1)
    statements_count: Mapped[int] = mapped_column(default=0)
    total_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    #: structures left out by the last run: [{structure_id, name, reason, count, total_cents}]
    blocked: Mapped[list[Any]] = mapped_column(JSON, default=list)
    journal_hash: Mapped[str] = mapped_column(String(64))


class Statement(Base):
    """One structure's reimbursement statement. ``status``: open, in_payment, paid, rejected."""

    __tablename__ = "statement"
    __table_args__ = (
        UniqueConstraint("year", "seq"),
        CheckConstraint("status IN ('open','in_payment','paid','rejected')", name="status"),
        CheckConstraint("total_cents > 0 AND line_count > 0", name="total"),
        Index("ix_statement_structure_status", "structure_id", "status"),
    )
    id: Mapped[int] = pk()
    number: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int]
    seq: Mapped[int]
    structure_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    close_id: Mapped[int] = mapped_column(ForeignKey("month_close.id"), index=True)
    period: Mapped[str] = mapped_column(String(7), index=True)
    first_scan_at: Mapped[datetime]
    period_end: Mapped[datetime]
    line_count: Mapped[int]
    total_cents: Mapped[int] = mapped_column(BigInteger)
    bank_account_id: Mapped[int] = mapped_column(ForeignKey("bank_account.id"))
    status: Mapped[str] = mapped_column(String(12), default="open")
    journal_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(BigId)
    paid_at: Mapped[datetime | None]


class StatementProgramme(Base):
    """A statement's total per programme (drives the scope check and the funder split)."""

    __tablename__ = "statement_programme"
    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id"), primary_key=True)
    programme_id: Mapped[int] = mapped_column(
        ForeignKey("programme.id"), primary_key=True, index=True
    )
    line_count: Mapped[int]
    total_cents: Mapped[int] = mapped_column(BigInteger)


class PaymentRun(Base):
    """A SEPA credit-transfer file (pain.001), kept byte for byte with its SHA-256."""

    __tablename__ = "payment_run"
    id: Mapped[int] = pk()
    reference: Mapped[str] = mapped_column(String(35), unique=True)
    pain_version: Mapped[str] = mapped_column(String(20))
    execution_date: Mapped[date]
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(BigId)
    transfer_count: Mapped[int]
    total_cents: Mapped[int] = mapped_column(BigInteger)
    file: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))


class PaymentTransfer(Base):
    """One transfer of a run. ``status``: sent, paid, rejected, returned. It pays either a
    structure's statement or a funder's refund (a credit note), never both."""

    __tablename__ = "payment_transfer"
    __table_args__ = (
        UniqueConstraint("statement_id", "attempt"),
        UniqueConstraint("credit_note_id", "attempt"),
        CheckConstraint("status IN ('sent','paid','rejected','returned')", name="status"),
        CheckConstraint("amount_cents > 0", name="amount"),
        CheckConstraint(
            "(statement_id IS NULL) <> (credit_note_id IS NULL)", name="pays_one_thing"
        ),
        Index(
            "uq_payment_transfer_live",
            "statement_id",
            unique=True,
            postgresql_where=text("status IN ('sent','paid')"),
            sqlite_where=text("status IN ('sent','paid')"),
        ),
        Index(
            "uq_payment_transfer_refund_live",
            "credit_note_id",
            unique=True,
            postgresql_where=text("status IN ('sent','paid')"),
            sqlite_where=text("status IN ('sent','paid')"),
        ),
    )
    id: Mapped[int] = pk()
    run_id: Mapped[int] = mapped_column(ForeignKey("payment_run.id"), index=True)
    statement_id: Mapped[int | None] = mapped_column(ForeignKey("statement.id"))
    #: a refund to a funder: the credit note it pays
    credit_note_id: Mapped[int | None] = mapped_column(ForeignKey("credit_note.id"))
    attempt: Mapped[int]
    end_to_end_id: Mapped[str] = mapped_column(String(35), unique=True)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    creditor_name: Mapped[str] = mapped_column(String(140))
    iban: Mapped[str] = mapped_column(String(34))
    bic: Mapped[str | None] = mapped_column(String(11))
    bank_account_id: Mapped[int] = mapped_column(ForeignKey("bank_account.id"))
    status: Mapped[str] = mapped_column(String(10), default="sent", index=True)
    send_entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entry.id"))
    settle_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entry.id"))
    settled_at: Mapped[datetime | None]
    settled_by: Mapped[int | None] = mapped_column(BigId)
    bank_import_id: Mapped[int | None] = mapped_column(BigId)
    reason: Mapped[str | None] = mapped_column(String(200))


class PaymentApproval(Base):
    """An approval of a statement's payment (or a funder's refund, by its credit note) to
    given bank details (second-approval rule)."""

    __tablename__ = "payment_approval"
    __table_args__ = (
        UniqueConstraint("statement_id", "bank_account_id", "user_id"),
        UniqueConstraint("credit_note_id", "bank_account_id", "user_id"),
    )
    id: Mapped[int] = pk()
    statement_id: Mapped[int | None] = mapped_column(ForeignKey("statement.id"), index=True)
    credit_note_id: Mapped[int | None] = mapped_column(ForeignKey("credit_note.id"), index=True)
    bank_account_id: Mapped[int] = mapped_column(ForeignKey("bank_account.id"))
    user_id: Mapped[int] = mapped_column(BigId)
    at: Mapped[datetime]


class BankImport(Base):
    """A camt.053/054 file read, its proposed matches, and whether they were applied."""

    __tablename__ = "bank_import"
    __table_args__ = (CheckConstraint("status IN ('pending','applied')", name="status"),)
    id: Mapped[int] = pk()
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(10), default="pending")
    lines: Mapped[list[Any]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(BigId)
    applied_at: Mapped[datetime | None]
    applied_by: Mapped[int | None] = mapped_column(BigId)
    #: the account the file reports on (always the operator's: other accounts are refused)
    account_iban: Mapped[str | None] = mapped_column(String(34))
    #: the bank's statement number and balances (camt.053; signed cents, credit positive)
    statement_ref: Mapped[str | None] = mapped_column(String(35))
    opening_cents: Mapped[int | None] = mapped_column(BigInteger)
    closing_cents: Mapped[int | None] = mapped_column(BigInteger)
    closing_date: Mapped[date | None]


class BankMovement(Base):
    """One line of our bank account, recorded once by the bank's own reference
    (``AcctSvcrRef`` / ``NtryRef``) when its file is applied: the same line reported in a
    camt.054 and again in a camt.053 is one movement. ``outcome`` is what it did."""

    __tablename__ = "bank_movement"
    __table_args__ = (
        UniqueConstraint("account_iban", "reference"),
        CheckConstraint("direction IN ('DBIT','CRDT')", name="direction"),
        CheckConstraint("amount_cents >= 0", name="amount"),
    )
    id: Mapped[int] = pk()
    account_iban: Mapped[str] = mapped_column(String(34))
    reference: Mapped[str | None] = mapped_column(String(140))
    bank_import_id: Mapped[int] = mapped_column(ForeignKey("bank_import.id"), index=True)
    line_index: Mapped[int]
    booking_date: Mapped[date | None]
    direction: Mapped[str] = mapped_column(String(4))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    end_to_end_id: Mapped[str | None] = mapped_column(String(35))
    return_reason: Mapped[str | None] = mapped_column(String(10))
    counterparty: Mapped[str | None] = mapped_column(String(140))
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("payment_transfer.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(20))
    recorded_at: Mapped[datetime]
    #: an unmatched credit a person linked to a funder's funds received (once only)
    funds_received_id: Mapped[int | None] = mapped_column(
        ForeignKey("funds_received.id"), unique=True
    )


class CreditNote(Base):
    """An *avoir*: a funder's share of a programme's unused value, returned to it."""

    __tablename__ = "credit_note"
    __table_args__ = (
        UniqueConstraint("year", "seq"),
        CheckConstraint("amount_cents > 0", name="amount"),
        CheckConstraint("refund_status IN ('owed','in_payment','paid')", name="refund_status"),
    )
    id: Mapped[int] = pk()
    number: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int]
    seq: Mapped[int]
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    funder_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    share_bp: Mapped[int]
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    programme_breakage_cents: Mapped[int] = mapped_column(BigInteger)
    since: Mapped[datetime | None]
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(BigId)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entry.id"))
    #: the entry that made the refund owed to the funder (``refund_payable``); notes issued
    #: before refunds were payments booked it straight out of the bank (``refund_status``
    #: ``paid``)
    refund_entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entry.id"))
    #: owed (a liability to the funder), in_payment (in a SEPA run), paid (the bank said so)
    refund_status: Mapped[str] = mapped_column(String(12), default="owed")


# The close reads accepted scans not yet stated, per structure, up to a month's end.
Index(
    "ix_redemption_to_state",
    Redemption.structure_id,
    Redemption.scanned_at,
    postgresql_where=text("status = 'accepted' AND statement_id IS NULL"),
    sqlite_where=text("status = 'accepted' AND statement_id IS NULL"),
)
# A statement's lines (PDF, settlement) and the close's own checks read by statement.
Index(
    "ix_redemption_statement",
    Redemption.statement_id,
    postgresql_where=text("statement_id IS NOT NULL"),
    sqlite_where=text("statement_id IS NOT NULL"),
)
