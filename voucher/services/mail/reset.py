"""Password reset by e-mail.

Rules kept:

* asking answers the same whether the address is known or not (nothing to enumerate);
  an unknown or inactive address records no mail;
* the token (256 random bits) is only in the mail; the database keeps its SHA-256;
* a token works once and for :data:`voucher.domain.mail.RESET_VALIDITY`; a new password
  spends it and every other open token of that person;
* one person receives at most :data:`voucher.domain.mail.RESETS_PER_HOUR` reset mails an
  hour, however many addresses ask (the page's own limit is per client address);
* every request and every use is audited.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from voucher.db.models import PasswordReset, User
from voucher.domain import mail
from voucher.domain.calendar import utcnow
from voucher.domain.errors import DomainError
from voucher.services import audit
from voucher.services.access import people
from voucher.services.context import Actor
from voucher.services.mail import outbox
from voucher.services.mail.settings import settings

PATH = "/mot-de-passe/nouveau/"


def request_reset(session: Session, actor: Actor, email: str) -> bool:
    """Record a reset mail for ``email`` when it is an active account (answers whether it
    did; the web answer must not depend on it)."""
    address = (email or "").strip().lower()[:200]
    user = session.scalars(select(User).where(User.email == address)).first()
    audit.record(session, actor, "user.password_reset_asked", outcome="sent" if user else "unknown")
    if user is None or not user.active:
        return False
    now = utcnow()
    recent = session.scalar(
        select(func.count())
        .select_from(PasswordReset)
        .where(
            PasswordReset.user_id == user.id, PasswordReset.created_at > now - timedelta(hours=1)
        )
    )
    if (recent or 0) >= mail.RESETS_PER_HOUR:  # someone floods this inbox: the same answer
        return False
    token = mail.new_token()
    session.add(
        PasswordReset(
            user_id=user.id,
            token_hash=mail.token_hash(token),
            created_at=now,
            expires_at=now + mail.RESET_VALIDITY,
        )
    )
    subject, body = mail.reset_message(settings().link(PATH + token))
    outbox.record(session, mail.RESET, user.email, subject, body, user_id=user.id)
    return True


def check(session: Session, token: str) -> PasswordReset:
    """The open reset of ``token``, or a refusal (unknown, used, expired)."""
    found = session.scalars(
        select(PasswordReset).where(PasswordReset.token_hash == mail.token_hash(token or ""))
    ).first()
    if found is None:
        raise DomainError("reset_link_invalid")
    if found.used_at is not None:
        raise DomainError("reset_link_used")
    if found.expires_at <= utcnow():
        raise DomainError("reset_link_expired")
    return found


def set_password(session: Session, actor: Actor, token: str, password: str, again: str) -> User:
    reset = check(session, token)
    if password != again:
        raise DomainError("passwords_differ", field="password_again")
    spent = session.execute(
        update(PasswordReset)
        .where(PasswordReset.id == reset.id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
    )
    if getattr(spent, "rowcount", 1) != 1:  # the same link used twice at once: one wins
        raise DomainError("reset_link_used")
    people.reset_password(session, actor, reset.user_id, password)
    session.execute(
        update(PasswordReset)
        .where(PasswordReset.user_id == reset.user_id, PasswordReset.used_at.is_(None))
        .values(used_at=utcnow())
    )
    user = session.get(User, reset.user_id)
    assert user is not None  # foreign key
    return user
