"""A person's notifications: every kind is on until the person turns it off."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from voucher.db.models import NotificationOptOut
from voucher.domain import mail
from voucher.domain.calendar import utcnow
from voucher.domain.errors import DomainError
from voucher.services import audit
from voucher.services.context import Actor


def turned_off(session: Session, user_id: int) -> set[str]:
    return set(
        session.scalars(
            select(NotificationOptOut.kind).where(NotificationOptOut.user_id == user_id)
        )
    )


def choose(session: Session, actor: Actor, user_id: int, wanted: set[str]) -> set[str]:
    """Keep only ``wanted`` on (the others off); answer the kinds now off."""
    unknown = wanted - set(mail.NOTIFICATIONS)
    if unknown:
        raise DomainError("unknown_notification", field="kinds")
    off = set(mail.NOTIFICATIONS) - wanted
    before = turned_off(session, user_id)
    session.execute(
        delete(NotificationOptOut).where(
            NotificationOptOut.user_id == user_id, NotificationOptOut.kind.not_in(off)
        )
    )
    now = utcnow()
    for kind in sorted(off - before):
        session.add(NotificationOptOut(user_id=user_id, kind=kind, created_at=now))
    session.flush()
    if off != before:
        audit.record(session, actor, "user.notifications", ("user", user_id), off=sorted(off))
    return off
