"""Fraud alerts and the per-structure daily counters the volume rule reads.

``fraud_flag`` is append-only in practice (the services never update or delete it): one row
per verdict recorded with a scan (flag or hold) and per alert raised on a refused scan
(a code redeemed twice, a lost book, a guessing lock). ``structure_day_volume`` is bumped
inside the redemption transaction, so the volume rule reads at most a few dozen rows by
primary key instead of scanning the history of redemptions.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from voucher.db.models.activity import Redemption, RefusedScan
from voucher.db.models.base import Base, pk
from voucher.db.types import BigId


class FraudFlag(Base):
    """An alert: which rule, on what (programme, structure, redemption, voucher), how loud."""

    __tablename__ = "fraud_flag"
    __table_args__ = (
        CheckConstraint("severity IN ('low','medium','high')", name="severity"),
        CheckConstraint("outcome IN ('flag','hold','refuse')", name="outcome"),
        Index("ix_fraud_flag_programme_at", "programme_id", "at"),
        Index("ix_fraud_flag_structure_at", "structure_id", "at"),
        Index("ix_fraud_flag_rule_at", "rule", "at"),
    )
    id: Mapped[int] = pk()
    at: Mapped[datetime] = mapped_column(index=True)
    rule: Mapped[str] = mapped_column(String(50))
    outcome: Mapped[str] = mapped_column(String(10))
    severity: Mapped[str] = mapped_column(String(10))
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programme.id"))
    structure_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    redemption_id: Mapped[int | None] = mapped_column(ForeignKey("redemption.id"))
    voucher_id: Mapped[int | None] = mapped_column(BigId)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class StructureDayVolume(Base):
    """Scans recorded (accepted or held) per structure and Europe/Paris day."""

    __tablename__ = "structure_day_volume"
    structure_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), primary_key=True)
    day: Mapped[date] = mapped_column(primary_key=True)
    scans: Mapped[int] = mapped_column(default=0)


# Look-ups the rules make on core tables (created by migration 0004_fraud).
Index("ix_refused_scan_key_time", RefusedScan.api_key_id, RefusedScan.at)
Index("ix_redemption_beneficiary_time", Redemption.beneficiary_id, Redemption.scanned_at)
