"""The outbox: :func:`record` writes a message in the caller's transaction; the worker
sends what is due (:func:`deliver_one`, each in its own transaction).

Rules kept:

* a message is an :class:`~email.message.EmailMessage` with a plain-text French part,
  fixed when recorded (what is sent is what was recorded);
* nothing leaves before commit, and work rolled back leaves nothing to send;
* a message with a ``dedupe_key`` already recorded is not recorded again;
* a try that fails is counted with its error; the next one follows the backoff of
  :mod:`voucher.domain.mail`; after the last the message is ``failed``. Every message, sent
  or not, stays with its recipient, subject, kind, status and tries.
"""

from __future__ import annotations

import smtplib
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import select
from sqlalchemy.orm import Session

from voucher.db.models import MailMessage
from voucher.domain import mail
from voucher.domain.calendar import utcnow
from voucher.services.mail import transport
from voucher.services.mail.settings import Settings, settings

#: ``session.info`` key set when a message was recorded: the request wrapper and the CLI
#: ask the worker to send once they have committed
QUEUED = "voucher.mail_queued"


def build(cfg: Settings, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = cfg.sender
    message["To"] = Address(addr_spec=to)
    message["Subject"] = subject
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain="pass-numerique")
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(body, cte="8bit")  # readable as is in a .eml file
    return message


def record(
    session: Session,
    kind: str,
    to: str,
    subject: str,
    body: str,
    *,
    user_id: int | None = None,
    dedupe_key: str | None = None,
) -> MailMessage | None:
    """Write a message to send after commit; None when ``dedupe_key`` was already used."""
    if kind not in mail.KINDS:
        raise ValueError(f"unknown mail kind {kind!r}")
    if dedupe_key and session.scalar(
        select(MailMessage.id).where(MailMessage.dedupe_key == dedupe_key)
    ):
        return None
    now = utcnow()
    row = MailMessage(
        kind=kind,
        to_addr=to,
        subject=subject[:300],
        raw=build(settings(), to, subject, body).as_string(),
        user_id=user_id,
        dedupe_key=dedupe_key,
        status="pending",
        attempts=0,
        next_attempt_at=now,
        created_at=now,
    )
    session.add(row)
    session.flush()
    session.info[QUEUED] = True
    return row


def due_ids(session: Session, now: datetime, limit: int = 100) -> list[int]:
    return list(
        session.scalars(
            select(MailMessage.id)
            .where(MailMessage.status == "pending", MailMessage.next_attempt_at <= now)
            .order_by(MailMessage.next_attempt_at, MailMessage.id)
            .limit(limit)
        )
    )


def deliver_one(session: Session, message_id: int, now: datetime, cfg: Settings) -> str:
    """Try to send one message (row-locked: two workers never send it twice); its status."""
    row = session.scalars(
        select(MailMessage).where(MailMessage.id == message_id).with_for_update()
    ).one_or_none()
    if row is None or row.status != "pending":
        return "gone" if row is None else row.status
    row.attempts += 1
    try:
        transport.send(cfg, row.raw, row.id)
    except (OSError, smtplib.SMTPException) as err:
        row.last_error = f"{type(err).__name__}: {err}"[:300]
        wait = mail.next_attempt(row.attempts)
        row.status = "pending" if wait is not None else "failed"
        row.next_attempt_at = now + wait if wait is not None else None
    else:
        row.status, row.sent_at, row.next_attempt_at, row.last_error = "sent", now, None, None
    session.flush()
    return row.status
