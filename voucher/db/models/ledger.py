"""The double-entry journal. Append-only: triggers refuse UPDATE and DELETE of entries and
postings; a deferred trigger (PostgreSQL) or a completion guard (SQLite) refuses an entry
whose postings do not sum to zero. See docs/chart-of-accounts.md."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from voucher.db.models.base import Base, pk
from voucher.db.types import BigId


class Account(Base):
    __tablename__ = "account"
    id: Mapped[int] = pk()
    code: Mapped[str] = mapped_column(String(80), unique=True)
    kind: Mapped[str] = mapped_column(String(20), index=True)
    #: running balance in cents (debit positive), its main part: the account's balance is
    #: this plus its parts (:class:`AccountPart`); the audit checks it equals the postings' sum
    balance: Mapped[int] = mapped_column(BigInteger, default=0)


#: how many parts a balance may have (scans on PostgreSQL: ``pg_backend_pid() %`` it)
BALANCE_PARTS = 32
#: SQL (PostgreSQL): this server backend's part, and what writing a part that exists does
THIS_PART = f"mod(pg_backend_pid(), {BALANCE_PARTS})"
ADD_TO_PART = (
    "ON CONFLICT (account_id, part) DO UPDATE SET balance = account_part.balance + excluded.balance"
)


class AccountPart(Base):
    """A part of an account's running balance, written only by scans on PostgreSQL (a single
    scan's write, an offline batch's deferred balances; one part per server backend,
    ``pg_backend_pid() % BALANCE_PARTS``), so that concurrent scans on a shared account (a
    programme's ``outstanding``) do not queue on one row. The account's balance is
    ``account.balance`` plus the sum of its parts
    (:func:`voucher.services.finance.journal.balance`); every other writer moves the main
    part. SQLite has no parts."""

    __tablename__ = "account_part"
    account_id: Mapped[int] = mapped_column(BigId, ForeignKey("account.id"), primary_key=True)
    part: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    balance: Mapped[int] = mapped_column(BigInteger)


class JournalEntry(Base):
    __tablename__ = "journal_entry"
    __table_args__ = (CheckConstraint("posting_count >= 2", name="postings"),)
    id: Mapped[int] = pk()
    ref: Mapped[str] = mapped_column(String(32), unique=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    at: Mapped[datetime] = mapped_column(index=True)
    posting_count: Mapped[int]
    hash: Mapped[str] = mapped_column(String(64))
    memo: Mapped[str | None] = mapped_column(String(300))
    actor_user_id: Mapped[int | None] = mapped_column(BigId)


class Posting(Base):
    __tablename__ = "posting"
    __table_args__ = (CheckConstraint("amount <> 0", name="nonzero"),)
    id: Mapped[int] = pk()
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entry.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)


class JournalSeal(Base):
    """A block of entries chained to the previous block: hash(prev, entry hashes in id order)."""

    __tablename__ = "journal_seal"
    id: Mapped[int] = pk()
    first_entry_id: Mapped[int] = mapped_column(BigInteger)
    last_entry_id: Mapped[int] = mapped_column(BigInteger, unique=True)
    entry_count: Mapped[int]
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime]
