"""Offline acceptances the server refused, kept for review instead of lost."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from voucher.db.models.base import Base, pk
from voucher.db.types import BigId


class OfflineDispute(Base):
    """A scan a desk accepted offline and the server refused on upload. ``status``: open,
    released (paid as a redemption: ``redemption_id``), rejected. Only the code's last four
    digits are kept; ``voucher_id`` and ``programme_id`` are empty for an unknown code."""

    __tablename__ = "offline_dispute"
    __table_args__ = (
        CheckConstraint("status IN ('open','released','rejected')", name="status"),
        UniqueConstraint("structure_id", "scan_id", name="uq_offline_dispute_scan"),
    )
    id: Mapped[int] = pk()
    structure_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programme.id"), index=True)
    voucher_id: Mapped[int | None] = mapped_column(ForeignKey("voucher.id"))
    api_key_id: Mapped[int | None] = mapped_column(BigId)
    user_id: Mapped[int | None] = mapped_column(BigId)
    scan_id: Mapped[str] = mapped_column(String(100))
    code_tail: Mapped[str | None] = mapped_column(String(4))
    reason: Mapped[str] = mapped_column(String(40))
    face_value_cents: Mapped[int | None] = mapped_column(BigInteger)
    scanned_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(BigId)
    note: Mapped[str | None] = mapped_column(String(500))
    redemption_id: Mapped[int | None] = mapped_column(ForeignKey("redemption.id"))
