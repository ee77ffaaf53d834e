"""Webhooks: an organisation's endpoints, the outbox of deliveries, and every attempt.

A delivery is written in the same transaction as the event it announces (a cancelled
scan, a decided hold, an activated batch...): work rolled back leaves no delivery, and
nothing is sent before the work is committed. ``voucher webhooks deliver`` sends what is
due. ``status``: pending (to send, at ``next_attempt_at``), delivered, failed (gave up
after the last attempt of the backoff schedule; replayable).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from voucher.db.models.base import Base, pk


class WebhookEndpoint(Base):
    __tablename__ = "webhook_endpoint"
    id: Mapped[int] = pk()
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    url: Mapped[str] = mapped_column(String(500))
    #: event types it receives
    events: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: the signing secret, ``whsec_`` + base64 of 32 random bytes (needed to sign: kept)
    secret: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime]
    disabled_at: Mapped[datetime | None]


class WebhookDelivery(Base):
    __tablename__ = "webhook_delivery"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "event_id", name="uq_webhook_delivery_event"),
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
    )
    id: Mapped[int] = pk()
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoint.id"))
    #: the event's id (``webhook-id``): the same on every attempt, for the receiver to dedupe
    event_id: Mapped[str] = mapped_column(String(40))
    event_type: Mapped[str] = mapped_column(String(40))
    #: the exact body sent (signed as is)
    payload: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    delivered_at: Mapped[datetime | None]


class WebhookAttempt(Base):
    __tablename__ = "webhook_attempt"
    id: Mapped[int] = pk()
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_delivery.id"), index=True)
    at: Mapped[datetime]
    #: the receiver's HTTP status, or None when it could not be reached
    status_code: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(200))

    def as_dict(self) -> dict[str, Any]:
        return {"at": self.at, "status_code": self.status_code, "error": self.error}
