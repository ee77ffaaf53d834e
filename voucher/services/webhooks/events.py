"""Events into the outbox: one delivery per subscribed endpoint, written in the caller's
transaction, so that work rolled back announces nothing and nothing leaves before commit.

Which organisations hear of what: a scan's structure and its programme's funders
(``redemption.cancelled``, ``hold.*``), a batch's funders and prescriber
(``batch.activated``), a statement's or a transfer's structure (``statement.*``,
``transfer.*``), a job's organisation (``job.finished``). The people concerned are told by
e-mail from here too (:func:`voucher.services.mail.notify.on_events`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from voucher.db.models import ProgrammeFunder, WebhookDelivery, WebhookEndpoint
from voucher.domain.calendar import utcnow
from voucher.domain.webhooks import EVENTS, new_event_id
from voucher.services.mail import notify


def funders_of(session: Session, programme_id: int) -> list[int]:
    return list(
        session.scalars(
            select(ProgrammeFunder.funder_id).where(ProgrammeFunder.programme_id == programme_id)
        )
    )


def emit(
    session: Session, event_type: str, data: dict[str, Any], organisation_ids: Iterable[int]
) -> int:
    """Queue ``event_type`` for every active endpoint of ``organisation_ids`` subscribed to
    it; returns how many deliveries were queued. The body is fixed now (signed as is)."""
    return emit_many(session, event_type, [(data, organisation_ids)])


def emit_many(
    session: Session,
    event_type: str,
    events: list[tuple[dict[str, Any], Iterable[int]]],
) -> int:
    """:func:`emit` for many events of one type (a month close's statements): the
    subscribed endpoints are read once."""
    if event_type not in EVENTS:
        raise ValueError(event_type)
    notify.on_events(session, event_type, [data for data, _ in events])  # the people's mail
    listening: dict[int, list[WebhookEndpoint]] = {}
    for endpoint in session.scalars(
        select(WebhookEndpoint).where(WebhookEndpoint.disabled_at.is_(None))
    ):
        if event_type in (endpoint.events or []):
            listening.setdefault(endpoint.organisation_id, []).append(endpoint)
    if not listening:
        return 0
    queued = 0
    for data, organisation_ids in events:
        wanted = sorted({int(o) for o in organisation_ids} & set(listening))
        for organisation_id in wanted:
            for endpoint in listening[organisation_id]:
                _queue(session, endpoint, event_type, data)
                queued += 1
    session.flush()
    return queued


def _queue(
    session: Session, endpoint: WebhookEndpoint, event_type: str, data: dict[str, Any]
) -> None:
    now = utcnow()
    event_id = new_event_id()
    body = {"type": event_type, "id": event_id, "timestamp": now.isoformat(), "data": data}
    session.add(
        WebhookDelivery(
            endpoint_id=endpoint.id,
            event_id=event_id,
            event_type=event_type,
            payload=json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str),
            status="pending",
            attempts=0,
            next_attempt_at=now,
            created_at=now,
        )
    )
