"""Permissions for row-level research extracts (impact).

An extract of pseudonymous rows is never available by role alone: an evaluator also needs
a grant naming the user, the programme (or every programme), an end date and the legal or
contractual reason (e.g. the evaluation agreement). Grants are revoked, never deleted.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from voucher.db.models.base import Base, pk
from voucher.db.types import BigId


class ResearchGrant(Base):
    __tablename__ = "research_grant"
    __table_args__ = (CheckConstraint("length(reason) >= 3", name="reason"),)
    id: Mapped[int] = pk()
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    #: NULL: every programme
    programme_id: Mapped[int | None] = mapped_column(ForeignKey("programme.id"))
    reason: Mapped[str] = mapped_column(String(300))
    valid_until: Mapped[date]
    granted_at: Mapped[datetime]
    granted_by: Mapped[str] = mapped_column(String(200))
    revoked_at: Mapped[datetime | None]
    revoked_by: Mapped[str | None] = mapped_column(String(200))
    #: the user id of whoever granted it, when it was a signed-in person
    granted_by_user_id: Mapped[int | None] = mapped_column(BigId)


class ImpactRelease(Base):
    """A numbered, frozen publication of the impact figures (docs/impact.md, "Releases").

    Figures cover the activity up to the end of ``period`` (a closed Europe/Paris month,
    ``AAAA-MM``); ``views`` holds exactly what was published (every view of the release,
    masked values as null), ``pattern`` the cells masked per view; a release is never
    changed, a new one is published instead. ``digest`` is the SHA-256 of the release's
    content and of the previous release's digest, so a rewritten history shows.
    """

    __tablename__ = "impact_release"
    __table_args__ = (
        CheckConstraint("number >= 1", name="number"),
        CheckConstraint("threshold >= 11", name="threshold"),
    )
    id: Mapped[int] = pk()
    number: Mapped[int] = mapped_column(unique=True)
    period: Mapped[str] = mapped_column(String(7))
    #: programmes covered (sorted ids); empty list: every programme
    programmes: Mapped[list[Any]] = mapped_column(JSON, default=list)
    threshold: Mapped[int]
    created_at: Mapped[datetime]
    created_by: Mapped[str] = mapped_column(String(200))
    views: Mapped[list[Any]] = mapped_column(JSON, default=list)
    pattern: Mapped[list[Any]] = mapped_column(JSON, default=list)
    digest: Mapped[str] = mapped_column(String(64))
