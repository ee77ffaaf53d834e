"""Events into the outbox: one delivery per subscribed endpoint, written in the caller's
transaction, so that work rolled back announces nothing and nothing leaves before commit.

Which organisations hear of what: a scan's structure and its programme's funders
(``redemption.cancelled``, ``hold.*``), a batch's funders and prescriber
(``batch.activated``), a statement's or a transfer's structure (``statement.*``,
``transfer.*``), a job's organisation (``job.finished``).
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
    if event_type not in EVENTS:
        raise ValueError(event_type)
    wanted = sorted({int(o) for o in organisation_ids})
    if not wanted:
        return 0
    endpoints = session.scalars(
        select(WebhookEndpoint).where(
            WebhookEndpoint.organisation_id.in_(wanted), WebhookEndpoint.disabled_at.is_(None)
        )
    ).all()
    now = utcnow()
    queued = 0
    for endpoint in endpoints:
        if event_type not in (endpoint.events or []):
            continue
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
        queued += 1
    session.flush()
    return queued
