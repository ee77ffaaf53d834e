"""Idempotency records of the JSON API.

One row per (organisation, scope, key): the first answer given to a write named by that
key (its HTTP status and exact JSON body), with the fingerprint of the request it answered.
The unique constraint is what makes two identical requests arriving together have one
effect: the second insert waits for the first transaction and then fails, and the loser
reads the winner's stored answer. The row is written in the same transaction as the effect
it records, so a committed row always has its answer (``status``/``body`` are only empty
inside that transaction).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from voucher.db.models.base import Base, pk


class IdempotencyRecord(Base):
    __tablename__ = "api_idempotency"
    __table_args__ = (
        UniqueConstraint("organisation_id", "scope", "key", name="uq_api_idempotency_key"),
    )
    id: Mapped[int] = pk()
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    api_key_id: Mapped[int | None] = mapped_column(ForeignKey("api_key.id"))
    #: which kind of write the key names ("scan" for single and batch redemptions)
    scope: Mapped[str] = mapped_column(String(40))
    key: Mapped[str] = mapped_column(String(100))
    fingerprint: Mapped[str] = mapped_column(String(64))
    status: Mapped[int | None]
    body: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]
    completed_at: Mapped[datetime | None]
