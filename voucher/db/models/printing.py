"""Print files and replaced books.

``print_file`` lists every file produced for a batch: proofs (one is approved), the
production file, the print of each replacement book, the printer's CSV; each with its
SHA-256, so a file received by a print shop can be checked against what was produced.
``book_replacement`` and ``voucher_replacement`` link a damaged book and its cancelled
vouchers to the book and the vouchers that replace them (one replacement per book: the
old book's status becomes ``replaced``). Rows are written once, never edited, except the
approval time of a proof. ``print_file_book`` lists the books each production file and
printer's CSV holds (the batch's books in circulation when it was produced), and a
production names the approved proof it follows (``proof_id``). ``programme_logo`` holds
the funder's logo printed on a programme's covers, ``programme_cover`` its own text for the
cover (when it has one).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from voucher.db.models.base import Base, pk
from voucher.db.types import BigId

PRINT_KINDS = "('proof','production','replacement','csv')"


class PrintFile(Base):
    __tablename__ = "print_file"
    __table_args__ = (CheckConstraint(f"kind IN {PRINT_KINDS}", name="kind"),)
    id: Mapped[int] = pk()
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"), index=True)
    #: the replacement book printed (kind ``replacement`` only)
    book_id: Mapped[int | None] = mapped_column(ForeignKey("book.id"))
    kind: Mapped[str] = mapped_column(String(12))
    media_type: Mapped[str] = mapped_column(String(40))
    sha256: Mapped[str] = mapped_column(String(64))
    size_bytes: Mapped[int] = mapped_column(BigInteger)
    books: Mapped[int]
    vouchers: Mapped[int]
    qr: Mapped[bool] = mapped_column(default=False)
    approved_at: Mapped[datetime | None]
    approved_by: Mapped[int | None] = mapped_column(BigId)
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(BigId)
    #: a production: the approved proof it follows (the batch's latest proof when produced)
    proof_id: Mapped[int | None] = mapped_column(ForeignKey("print_file.id"))


class PrintFileBook(Base):
    """The books a production file or a printer's CSV holds, as they were when produced."""

    __tablename__ = "print_file_book"
    print_file_id: Mapped[int] = mapped_column(ForeignKey("print_file.id"), primary_key=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("book.id"), primary_key=True, index=True)


class ProgrammeLogo(Base):
    """The funder's logo printed on a programme's carnets (a checked PNG, stored as sent)."""

    __tablename__ = "programme_logo"
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), primary_key=True)
    png: Mapped[bytes] = mapped_column(LargeBinary)
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_at: Mapped[datetime]
    uploaded_by: Mapped[int | None] = mapped_column(BigId)


class ProgrammeCover(Base):
    """A programme's own text for the cover's "À quoi sert ce carnet ?" (one line each)."""

    __tablename__ = "programme_cover"
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), primary_key=True)
    purpose: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime]
    updated_by: Mapped[int | None] = mapped_column(BigId)


class BookReplacement(Base):
    __tablename__ = "book_replacement"
    id: Mapped[int] = pk()
    old_book_id: Mapped[int] = mapped_column(ForeignKey("book.id"), unique=True)
    new_book_id: Mapped[int] = mapped_column(ForeignKey("book.id"), unique=True)
    reason: Mapped[str] = mapped_column(String(200))
    vouchers: Mapped[int]
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(BigId)


class VoucherReplacement(Base):
    __tablename__ = "voucher_replacement"
    old_voucher_id: Mapped[int] = mapped_column(ForeignKey("voucher.id"), primary_key=True)
    new_voucher_id: Mapped[int] = mapped_column(ForeignKey("voucher.id"), unique=True)
    replacement_id: Mapped[int] = mapped_column(ForeignKey("book_replacement.id"), index=True)
