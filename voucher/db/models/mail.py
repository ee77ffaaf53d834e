"""E-mail: the outbox of messages, password-reset tokens, and who turned what off.

A message is written in the transaction of the work it tells about: work rolled back
leaves no message, and nothing leaves before commit. ``status``: pending (to send at
``next_attempt_at``), sent, failed (gave up after the last try). ``dedupe_key``, when set,
is unique: a reminder sent once per label and threshold is not sent again on a rerun.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from voucher.db.models.base import Base, pk


class MailMessage(Base):
    __tablename__ = "mail_message"
    __table_args__ = (Index("ix_mail_message_due", "status", "next_attempt_at"),)
    id: Mapped[int] = pk()
    kind: Mapped[str] = mapped_column(String(40))
    to_addr: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    #: the whole message (RFC 5322, as written when recorded)
    raw: Mapped[str] = mapped_column(Text)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), index=True)
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]


class PasswordReset(Base):
    __tablename__ = "password_reset"
    id: Mapped[int] = pk()
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    #: SHA-256 of the token (the token itself is only in the mail)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class NotificationOptOut(Base):
    __tablename__ = "notification_opt_out"
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(40), primary_key=True)
    created_at: Mapped[datetime]
