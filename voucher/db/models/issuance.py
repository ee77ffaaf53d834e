"""Batches, books, vouchers, beneficiaries and funds received."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from voucher.db.models.base import Base, pk
from voucher.db.types import BigId

#: the voucher's one key to its book (migration 0038 put it in place of two foreign keys;
#: on PostgreSQL, migration 0042 checks it once per statement, by triggers)
BOOK_KEY = "fk_voucher_book_programme"
VOUCHER_STATES = (
    "('issued','active','distributed','held','redeemed','reimbursed','cancelled','expired')"
)


class FundsReceived(Base):
    __tablename__ = "funds_received"
    __table_args__ = (CheckConstraint("amount_cents > 0", name="amount"),)
    id: Mapped[int] = pk()
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    funder_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    received_on: Mapped[date]
    reference: Mapped[str | None] = mapped_column(String(140))
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entry.id"))
    created_at: Mapped[datetime]
    #: the funder's invoice these funds pay (voucher/db/models/funder_documents.py)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("funder_document.id"), index=True)


class Batch(Base):
    """One issuance. ``status``: issuing (a large batch, its job still writing its books),
    issued (printed or not, unfunded), active, cancelled."""

    __tablename__ = "batch"
    __table_args__ = (CheckConstraint("books_count > 0", name="books"),)
    id: Mapped[int] = pk()
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    prescriber_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    books_count: Mapped[int]
    vouchers_per_book: Mapped[int]
    face_value_cents: Mapped[int] = mapped_column(BigInteger)
    first_serial: Mapped[int] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(10), default="issued")
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(BigId)
    issue_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entry.id"))
    activated_at: Mapped[datetime | None]
    activate_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entry.id"))
    acknowledged_at: Mapped[datetime | None]
    acknowledged_by: Mapped[int | None] = mapped_column(BigId)
    proof_approved_at: Mapped[datetime | None]
    proof_approved_by: Mapped[int | None] = mapped_column(BigId)
    print_sha256: Mapped[str | None] = mapped_column(String(64))
    printed_at: Mapped[datetime | None]


class Book(Base):
    """``status``: in_stock (with a prescriber), handed_out, lost, stolen, expired.
    ``(id, programme_id)`` is unique so that a voucher's key can name both (see Voucher)."""

    __tablename__ = "book"
    __table_args__ = (Index("ix_book_id_programme", "id", "programme_id", unique=True),)
    id: Mapped[int] = pk()
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    serial: Mapped[int] = mapped_column(BigInteger, unique=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    beneficiary_id: Mapped[int | None] = mapped_column(ForeignKey("beneficiary.id"), index=True)
    handed_out_at: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(10), default="in_stock")
    reported_at: Mapped[datetime | None]


class Voucher(Base):
    """One key, ``(book_id, programme_id)`` to the book's ``(id, programme_id)``: a
    voucher's programme is its book's (and so exists). SQLite checks it as a foreign key,
    row by row; PostgreSQL by the triggers of migration 0042, once per statement over the
    rows written (an issue writes tens of thousands), refusing the same rows with the same
    error, hence the foreign key's DDL for SQLite only."""

    __tablename__ = "voucher"
    __table_args__ = (
        ForeignKeyConstraint(
            ["book_id", "programme_id"], ["book.id", "book.programme_id"], name=BOOK_KEY
        ).ddl_if(dialect="sqlite"),
        UniqueConstraint("book_id", "position"),
        CheckConstraint(f"state IN {VOUCHER_STATES}", name="state"),
        CheckConstraint("face_value_cents > 0", name="face_value"),
        Index("ix_voucher_programme_state", "programme_id", "state"),
    )
    id: Mapped[int] = pk()
    code: Mapped[str] = mapped_column(String(24), unique=True)
    book_id: Mapped[int] = mapped_column(BigId)
    programme_id: Mapped[int] = mapped_column(BigId)
    position: Mapped[int]
    face_value_cents: Mapped[int] = mapped_column(BigInteger)
    state: Mapped[str] = mapped_column(String(12), default="issued")
    updated_at: Mapped[datetime]


class Beneficiary(Base):
    """Pseudonymous: a keyed hash of the prescriber's local reference and national codes.
    No name, address, phone or date of birth, ever."""

    __tablename__ = "beneficiary"
    __table_args__ = (UniqueConstraint("prescriber_id", "pseudonym"),)
    id: Mapped[int] = pk()
    prescriber_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    pseudonym: Mapped[str] = mapped_column(String(64))
    population: Mapped[str] = mapped_column(String(30))
    age_band: Mapped[str] = mapped_column(String(30))
    social_status: Mapped[str] = mapped_column(String(20))
    commune_insee: Mapped[str | None] = mapped_column(String(5))
    density_class: Mapped[int | None]
    density_year: Mapped[int | None]  # of the grid the class was copied from
    zone_kind: Mapped[str | None] = mapped_column(String(5))
    consent: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime]
