"""Redemptions, refused scans, holds and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from voucher.db.models.base import Base, pk
from voucher.db.types import BigId


class Redemption(Base):
    """A scan. ``status``: accepted, held, cancelled (scan undone), rejected (hold rejected).
    At most one accepted-or-held redemption per voucher (partial unique index)."""

    __tablename__ = "redemption"
    __table_args__ = (
        CheckConstraint("status IN ('accepted','held','cancelled','rejected')", name="status"),
        Index(
            "uq_redemption_live_voucher",
            "voucher_id",
            unique=True,
            postgresql_where=text("status IN ('accepted','held')"),
            sqlite_where=text("status IN ('accepted','held')"),
        ),
        Index(
            "uq_redemption_scan_id",
            "structure_id",
            "scan_id",
            unique=True,
            postgresql_where=text("scan_id IS NOT NULL"),
            sqlite_where=text("scan_id IS NOT NULL"),
        ),
        Index("ix_redemption_structure_time", "structure_id", "scanned_at"),
        Index("ix_redemption_book_time", "book_id", "scanned_at"),
    )
    id: Mapped[int] = pk()
    voucher_id: Mapped[int] = mapped_column(ForeignKey("voucher.id"))
    structure_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    book_id: Mapped[int] = mapped_column(ForeignKey("book.id"))
    beneficiary_id: Mapped[int | None] = mapped_column(ForeignKey("beneficiary.id"))
    prescriber_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    user_id: Mapped[int | None] = mapped_column(BigId)
    api_key_id: Mapped[int | None] = mapped_column(BigId)
    scan_id: Mapped[str | None] = mapped_column(String(100))
    device: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(10))
    face_value_cents: Mapped[int] = mapped_column(BigInteger)
    scanned_at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    theme: Mapped[str | None] = mapped_column(String(50))
    autonomy: Mapped[str | None] = mapped_column(String(30))
    #: state the voucher had before the scan (restored when the scan is cancelled)
    prior_state: Mapped[str] = mapped_column(String(12))
    verdicts: Mapped[list[Any]] = mapped_column(JSON, default=list)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entry.id"))
    cancelled_at: Mapped[datetime | None]
    cancelled_by: Mapped[int | None] = mapped_column(BigId)
    cancel_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entry.id"))
    statement_id: Mapped[int | None] = mapped_column(BigId)


class RefusedScan(Base):
    """A refused scan attempt, kept for the code-guessing rule and the desk's history.
    Only the last four digits of what was typed are kept. ``at``: when it was answered;
    ``scanned_at``: when it was scanned, for a scan sent later (offline), else None."""

    __tablename__ = "refused_scan"
    __table_args__ = (
        Index("ix_refused_scan_user_time", "user_id", "at"),
        Index("ix_refused_scan_structure_time", "structure_id", "at"),
        Index("ix_refused_scan_ip_time", "ip", "at"),
    )
    id: Mapped[int] = pk()
    at: Mapped[datetime]
    structure_id: Mapped[int | None] = mapped_column(BigId)
    user_id: Mapped[int | None] = mapped_column(BigId)
    api_key_id: Mapped[int | None] = mapped_column(BigId)
    device: Mapped[str | None] = mapped_column(String(100))
    ip: Mapped[str | None] = mapped_column(String(45))
    code_tail: Mapped[str | None] = mapped_column(String(4))
    reason: Mapped[str] = mapped_column(String(40))
    voucher_id: Mapped[int | None] = mapped_column(BigId)
    scanned_at: Mapped[datetime | None]


class Hold(Base):
    """A redemption parked for review. ``status``: open, released, rejected."""

    __tablename__ = "hold"
    id: Mapped[int] = pk()
    redemption_id: Mapped[int] = mapped_column(ForeignKey("redemption.id"), unique=True)
    programme_id: Mapped[int] = mapped_column(ForeignKey("programme.id"), index=True)
    structure_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    rule: Mapped[str] = mapped_column(String(50))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(10), default="open", index=True)
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(BigId)
    decision_entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entry.id"))
    note: Mapped[str | None] = mapped_column(String(500))


class AuditEvent(Base):
    """Who did what, when, from where, on which object, with what outcome. Append-only."""

    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_object", "object_type", "object_id"),)
    id: Mapped[int] = pk()
    at: Mapped[datetime] = mapped_column(index=True)
    action: Mapped[str] = mapped_column(String(60), index=True)
    outcome: Mapped[str] = mapped_column(String(40), default="ok")
    actor_user_id: Mapped[int | None] = mapped_column(BigId)
    actor_api_key_id: Mapped[int | None] = mapped_column(BigId)
    actor_label: Mapped[str | None] = mapped_column(String(200))
    organisation_id: Mapped[int | None] = mapped_column(BigId, index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None] = mapped_column(BigInteger)
    ip: Mapped[str | None] = mapped_column(String(45))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
