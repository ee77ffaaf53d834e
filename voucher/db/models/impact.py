"""Permissions for row-level research extracts (impact).

An extract of pseudonymous rows is never available by role alone: an evaluator also needs
a grant naming the user, the programme (or every programme), an end date and the legal or
contractual reason (e.g. the evaluation agreement). Grants are revoked, never deleted.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, String
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
