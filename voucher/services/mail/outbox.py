"""The outbox: :func:`record` writes a message in the caller's transaction; the worker
sends what is due (:func:`deliver_one`: each try taken, sent with no transaction open,
then recorded).

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
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from voucher import faults
from voucher.db.engine import unit_of_work
from voucher.db.models import MailMessage
from voucher.domain import mail
from voucher.domain.calendar import utcnow
from voucher.services.mail import transport
from voucher.services.mail.settings import Settings, settings

#: ``session.info`` key set when a message was recorded: the request wrapper and the CLI
#: ask the worker to send once they have committed
QUEUED = "voucher.mail_queued"
#: how long a claimed try is kept from other workers: far above a send's timeout
LEASE = timedelta(minutes=5)


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


@dataclass(frozen=True)
class Claim:
    """One try of a message, taken by :func:`claim`; its attempt number is its token."""

    message_id: int
    attempt: int
    raw: str


def claim(session: Session, message_id: int, now: datetime) -> Claim | None:
    """Take a due message for one try: the try counted and the next one pushed past
    :data:`LEASE`, so that no other worker sends it meanwhile. None when it is not due
    (sent, failed, or taken by another worker)."""
    taken = session.execute(
        update(MailMessage)
        .where(
            MailMessage.id == message_id,
            MailMessage.status == "pending",
            MailMessage.next_attempt_at <= now,
        )
        .values(attempts=MailMessage.attempts + 1, next_attempt_at=now + LEASE)
        .returning(MailMessage.attempts, MailMessage.raw),
        execution_options={"synchronize_session": False},
    ).first()
    return None if taken is None else Claim(message_id, taken[0], taken[1])


def attempt(claimed: Claim, cfg: Settings) -> str | None:
    """Hand one claimed try to the server, with no transaction open; the error, if any."""
    try:
        transport.send(cfg, claimed.raw, claimed.message_id)
    except (OSError, smtplib.SMTPException) as err:
        return f"{type(err).__name__}: {err}"[:300]
    return None


def finish(session: Session, claimed: Claim, now: datetime, error: str | None) -> str:
    """Record a try (sent, or its error and the next try by the backoff), unless the
    message was taken again meanwhile (its lease lapsed): the later try records it."""
    row = session.scalars(
        select(MailMessage).where(MailMessage.id == claimed.message_id).with_for_update()
    ).one()
    if row.status != "pending" or row.attempts != claimed.attempt:
        return row.status
    if error is None:
        row.status, row.sent_at, row.next_attempt_at, row.last_error = "sent", now, None, None
    else:
        row.last_error = error
        wait = mail.next_attempt(row.attempts)
        row.status = "pending" if wait is not None else "failed"
        row.next_attempt_at = now + wait if wait is not None else None
    session.flush()
    return row.status


def deliver_one(eng: Engine, message_id: int, now: datetime, cfg: Settings) -> str | None:
    """One try of a message in three steps: taken (a short transaction), handed to the
    server with no transaction open (a slow server holds no lock: on SQLite the desks'
    writes go on), recorded (another short transaction). Its status then; None when it was
    not due or another worker has it. A crash between the server's acceptance and the
    record sends it again once the lease lapses (same Message-ID)."""
    with unit_of_work(eng) as session:
        claimed = claim(session, message_id, now)
    if claimed is None:
        return None
    faults.point("mail.sending")  # claimed and committed, not sent yet: no transaction
    error = attempt(claimed, cfg)
    with unit_of_work(eng) as session:
        return finish(session, claimed, now, error)


def deliver_due(eng: Engine, now: datetime, cfg: Settings, limit: int = 100) -> list[str]:
    """Try every message due (at most ``limit``), each as :func:`deliver_one` does; the
    status of each one tried."""
    with unit_of_work(eng) as session:
        due = due_ids(session, now, limit)
    tried = (deliver_one(eng, message_id, now, cfg) for message_id in due)
    return [status for status in tried if status is not None]
