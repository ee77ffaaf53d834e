"""Funders' own documents: the quote and the invoice of an order of carnets.

One quote and one invoice per batch and funder (the funder's share of the value loaded on
the batch's carnets); each kind is numbered without gaps per year (``document_sequence``
rows ``quote`` and ``invoice``; ``UNIQUE (kind, year, seq)``). Funds received name the
invoice they pay (``funds_received.invoice_id``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from voucher.db.models.base import Base, pk
from voucher.db.types import BigId


class FunderDocument(Base):
    """A quote (``devis``) or an invoice (``facture``) sent to a funder for a batch."""

    __tablename__ = "funder_document"
    __table_args__ = (
        UniqueConstraint("kind", "year", "seq", name="uq_funder_document_seq"),
        UniqueConstraint("kind", "batch_id", "funder_id", name="uq_funder_document_batch"),
        CheckConstraint("kind IN ('quote','invoice')", name="kind"),
        CheckConstraint("amount_cents > 0", name="amount"),
    )
    id: Mapped[int] = pk()
    kind: Mapped[str] = mapped_column(String(10))
    number: Mapped[str] = mapped_column(String(20), unique=True)
    year: Mapped[int]
    seq: Mapped[int]
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"), index=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    funder_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    share_bp: Mapped[int]
    vouchers: Mapped[int]
    face_value_cents: Mapped[int] = mapped_column(BigInteger)
    batch_value_cents: Mapped[int] = mapped_column(BigInteger)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    #: what a public buyer's Chorus Pro needs: its service code (BT-10) and its purchase
    #: order, the « engagement juridique » (BT-13), when it gave them
    buyer_reference: Mapped[str | None] = mapped_column(String(100))
    buyer_order: Mapped[str | None] = mapped_column(String(50))
    created_at: Mapped[datetime]
    created_by: Mapped[int | None] = mapped_column(BigId)
