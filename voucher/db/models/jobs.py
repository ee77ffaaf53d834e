"""Jobs: long work run off the request by the job worker (docs/jobs.md).

``state``: queued -> running -> done | failed. A job's work and its ``done`` state are
committed in one transaction, so a worker killed half-way leaves the job ``running`` with
nothing of its work written; the restarted worker runs it again. ``idempotency_key`` (with
``created_by`` and ``kind``) makes a resent request answer the same job.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from voucher.db.models.base import Base, pk


class Job(Base):
    __tablename__ = "job"
    __table_args__ = (
        UniqueConstraint("created_by", "kind", "idempotency_key", name="uq_job_idempotency"),
        Index("ix_job_state", "state"),
    )
    id: Mapped[int] = pk()
    kind: Mapped[str] = mapped_column(String(50))
    state: Mapped[str] = mapped_column(String(10), default="queued")
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int] = mapped_column(default=0)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    error_code: Mapped[str | None] = mapped_column(String(60))
    idempotency_key: Mapped[str | None] = mapped_column(String(255))
    #: who asked: ``user:<id>`` or ``key:<id>`` (an actor's label)
    created_by: Mapped[str] = mapped_column(String(60))
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"), index=True)
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    attempts: Mapped[int] = mapped_column(default=0)
