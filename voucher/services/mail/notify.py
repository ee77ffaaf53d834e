"""Who is told what by e-mail, recorded in the transaction of the work (sent after commit).

* ``statement_issued``: the structure's people (reception, admin), one mail per statement;
* ``transfer_rejected``: the structure's people and the operator's finance people;
* ``hold_to_review``: the funder people of the held scan's programme (they review holds);
* ``expiry_soon``: the prescriber people holding carnets not handed out whose vouchers
  expire in :data:`voucher.domain.mail.EXPIRY_NOTICE_DAYS` days (they can still hand them
  out; funders see expiry on their dashboard), once per programme and prescriber;
* ``job_finished``: the person who started the job.

Each person may turn each kind off (:mod:`voucher.services.mail.preferences`); inactive
accounts are never written to. Webhook events call :func:`on_events` from the point they
are emitted (:mod:`voucher.services.webhooks.events`).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voucher.db.models import (
    Book,
    NotificationOptOut,
    Organisation,
    Programme,
    ProgrammeFunder,
    RoleGrant,
    User,
    Voucher,
)
from voucher.domain import mail
from voucher.services.mail import outbox
from voucher.services.mail.settings import settings

STRUCTURE_PEOPLE = ("reception", "admin")


def people(
    session: Session, kind: str, organisation_ids: Iterable[int], roles: Iterable[str]
) -> dict[int, list[tuple[int, str]]]:
    """Active people with one of ``roles`` in each organisation, who did not turn ``kind``
    off: ``{organisation id: [(user id, e-mail)]}``."""
    wanted = sorted({int(o) for o in organisation_ids})
    if not wanted:
        return {}
    opted_out = select(NotificationOptOut.user_id).where(NotificationOptOut.kind == kind)
    rows = session.execute(
        select(RoleGrant.organisation_id, User.id, User.email)
        .join(User, User.id == RoleGrant.user_id)
        .where(
            RoleGrant.organisation_id.in_(wanted),
            RoleGrant.role.in_(tuple(roles)),
            User.active.is_(True),
            User.id.not_in(opted_out),
        )
        .order_by(User.id)
        .distinct()
    ).all()
    found: dict[int, list[tuple[int, str]]] = {}
    for org, user_id, email in rows:
        found.setdefault(int(org), []).append((int(user_id), str(email)))
    return found


def _send(
    session: Session, kind: str, to: Iterable[tuple[int, str]], words: tuple[str, str]
) -> int:
    seen: set[int] = set()
    for user_id, email in to:
        if user_id not in seen:
            seen.add(user_id)
            outbox.record(session, kind, email, words[0], words[1], user_id=user_id)
    return len(seen)


def on_events(session: Session, event_type: str, events: list[dict[str, Any]]) -> int:
    """The mails an event announces (a statement issued, a transfer rejected)."""
    if event_type == "statement.issued":
        return _statements(session, events)
    if event_type == "transfer.rejected":
        return sum(_transfer_rejected(session, data) for data in events)
    return 0


def _statements(session: Session, events: list[dict[str, Any]]) -> int:
    kind = "statement_issued"
    to = people(session, kind, (e["structure_id"] for e in events), STRUCTURE_PEOPLE)
    link = settings().link("/lieu/releves")
    sent = 0
    for data in events:
        words = mail.statement_message(data["number"], data["period"], data["total_cents"], link)
        sent += _send(session, kind, to.get(int(data["structure_id"]), []), words)
    return sent


def _transfer_rejected(session: Session, data: dict[str, Any]) -> int:
    kind = "transfer_rejected"
    structure = int(data["structure_id"])
    operators = session.scalars(select(Organisation.id).where(Organisation.is_operator)).all()
    place = people(session, kind, [structure], STRUCTURE_PEOPLE).get(structure, [])
    finance = [p for org in people(session, kind, operators, ["finance"]).values() for p in org]
    cfg = settings()
    sent = _send(
        session,
        kind,
        place,
        mail.transfer_message(
            data["statement"],
            data["amount_cents"],
            data.get("reason") or "",
            cfg.link("/lieu/releves"),
        ),
    )
    return sent + _send(
        session,
        kind,
        [p for p in finance if p not in place],
        mail.transfer_message(
            data["statement"],
            data["amount_cents"],
            data.get("reason") or "",
            cfg.link("/finance/banque"),
        ),
    )


def hold_to_review(session: Session, programme_id: int, structure_id: int) -> int:
    kind = "hold_to_review"
    funders = session.scalars(
        select(ProgrammeFunder.funder_id).where(ProgrammeFunder.programme_id == programme_id)
    ).all()
    to = [p for org in people(session, kind, funders, ["funder"]).values() for p in org]
    if not to:
        return 0
    programme = session.get(Programme, programme_id)
    structure = session.get(Organisation, structure_id)
    words = mail.hold_message(
        programme.name if programme else "?",
        structure.name if structure else "?",
        settings().link("/revue"),
    )
    return _send(session, kind, to, words)


def job_finished(
    session: Session, user_id: int | None, job_id: int, kind_name: str, state: str
) -> int:
    kind = "job_finished"
    if user_id is None:
        return 0
    opted_out = session.get(NotificationOptOut, (user_id, kind))
    user = session.get(User, user_id)
    if user is None or not user.active or opted_out is not None:
        return 0
    words = mail.job_message(kind_name, state, settings().link(f"/taches/{job_id}"))
    return _send(session, kind, [(user.id, user.email)], words)


def expiry_soon(session: Session, today: date) -> int:
    """Tell prescribers holding carnets not handed out that their vouchers expire in
    :data:`EXPIRY_NOTICE_DAYS` days or less; once per programme, prescriber and person."""
    kind = "expiry_soon"
    horizon = today + timedelta(days=mail.EXPIRY_NOTICE_DAYS)
    rows = session.execute(
        select(Programme.id, Programme.name, Programme.valid_until, Book.holder_id, func.count())
        .join(Voucher, Voucher.programme_id == Programme.id)
        .join(Book, Book.id == Voucher.book_id)
        .where(
            Programme.valid_until >= today,
            Programme.valid_until <= horizon,
            Book.beneficiary_id.is_(None),
            Voucher.state == "active",
        )
        .group_by(Programme.id, Programme.name, Programme.valid_until, Book.holder_id)
    ).all()
    to = people(session, kind, (r[3] for r in rows), ["prescriber"])
    link = settings().link("/prescripteur/carnets")
    sent = 0
    for programme_id, name, until, holder, count in rows:
        words = mail.expiry_message(name, until, int(count), link)
        for user_id, email in to.get(int(holder), []):
            key = f"expiry:{programme_id}:{holder}:{user_id}:{until.isoformat()}"
            if outbox.record(session, kind, email, *words, user_id=user_id, dedupe_key=key):
                sent += 1
    return sent
