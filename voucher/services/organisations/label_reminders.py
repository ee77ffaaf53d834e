"""Label renewal reminders by e-mail (docs/mail.md): a place whose label lapses within
:data:`THRESHOLDS` days is written to at each threshold, once: ``dedupe_key`` makes a rerun
(the daily task, ``voucher places reminders --send``) record nothing new. The reminder goes
to the place's own address and to its people (reception, admin) who did not turn it off.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy.orm import Session

from voucher.db.queries import places as q
from voucher.domain import mail
from voucher.domain.places import REMINDER_DAYS, reminder_message
from voucher.services.mail import notify, outbox
from voucher.services.mail.settings import settings

#: days before the last day when a reminder is due (the first is the widest)
THRESHOLDS = (REMINDER_DAYS, 7)


def threshold(today: date, valid_until: date) -> int:
    """The narrowest threshold the days left fall within."""
    left = (valid_until - today).days
    return min(t for t in THRESHOLDS if t >= left)


def record_due(session: Session, today: date) -> int:
    """Record the reminders due today; answer how many messages were recorded."""
    link = settings().link("/lieu/")
    due = q.labels_due(session, today, max(THRESHOLDS))
    to = notify.people(
        session, mail.LABEL_REMINDER, (d.organisation_id for d in due), notify.STRUCTURE_PEOPLE
    )
    recorded = 0
    for label in due:
        step = threshold(today, label.valid_until)
        subject, body = reminder_message(label.name, label.label, label.valid_until, link)
        addresses: list[tuple[int | None, str]] = [(None, label.email)] if label.email else []
        addresses += to.get(label.organisation_id, [])
        seen: set[str] = set()
        for user_id, email in addresses:
            if email.lower() in seen:
                continue
            seen.add(email.lower())
            key = f"label:{label.organisation_id}:{label.label}:{label.valid_until}:{step}:{email}"
            if outbox.record(
                session,
                mail.LABEL_REMINDER,
                email,
                subject,
                body,
                user_id=user_id,
                dedupe_key=key[:200],
            ):
                recorded += 1
    return recorded
