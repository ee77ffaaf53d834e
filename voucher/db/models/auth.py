"""Users, roles scoped to an organisation, and API keys (stored hashed)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from voucher.db.models.base import Base, pk

ROLES = ("funder", "prescriber", "reception", "finance", "evaluator", "admin")
ROLE_CHECK = "role IN ('funder','prescriber','reception','finance','evaluator','admin')"


class User(Base):
    __tablename__ = "app_user"
    id: Mapped[int] = pk()
    email: Mapped[str] = mapped_column(String(200), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    last_login_at: Mapped[datetime | None]
    grants: Mapped[list[RoleGrant]] = relationship(order_by="RoleGrant.id")


class RoleGrant(Base):
    __tablename__ = "role_grant"
    __table_args__ = (
        UniqueConstraint("user_id", "organisation_id", "role"),
        CheckConstraint(ROLE_CHECK, name="role"),
    )
    id: Mapped[int] = pk()
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    role: Mapped[str] = mapped_column(String(20))


class ApiKey(Base):
    __tablename__ = "api_key"
    __table_args__ = (CheckConstraint(ROLE_CHECK, name="role"),)
    id: Mapped[int] = pk()
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    role: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16), unique=True)
    key_hash: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime]
    created_by: Mapped[int | None]
    revoked_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    #: the key stops working at this time (None: until revoked); set on the old key when rotated
    expires_at: Mapped[datetime | None]
    #: the device the key is installed on (a tablet, a scanner), shown in lists
    device_label: Mapped[str | None] = mapped_column(String(100))
