"""Sending what the outbox holds: ``deliver_due(session, now)``.

Rules kept:

* a delivery is due when pending and its ``next_attempt_at`` has come; it is sent with the
  Standard Webhooks headers (:func:`voucher.domain.webhooks.headers`), the body exactly as
  written when the event happened;
* a 2xx answer delivers it; anything else (another status, no answer, a timeout) is an
  attempt recorded with its status or error, and the next one is scheduled by the backoff
  schedule (:data:`voucher.domain.webhooks.BACKOFF`); after the last it is ``failed``;
* every attempt is a :class:`WebhookAttempt` row; a failed or delivered delivery can be
  replayed (:func:`replay`: pending again, due now, same event id);
* like every service, nothing here commits: ``voucher webhooks deliver`` commits after each
  delivery, so a crash resends at most the one in flight (receivers dedupe on
  ``webhook-id``). The job queue can call :func:`deliver_due` the same way.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from voucher.db.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from voucher.domain import webhooks
from voucher.domain.errors import DomainError

TIMEOUT = 10.0
#: (url, headers, body) -> the receiver's HTTP status; raises OSError when unreachable
Send = Callable[[str, dict[str, str], bytes], int]


def http_post(url: str, headers: dict[str, str], body: bytes) -> int:
    if not url.startswith(("https://", "http://")):  # registered URLs are checked too
        raise ValueError("not an http(s) URL")
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310
            return int(response.status)
    except urllib.error.HTTPError as err:
        return int(err.code)


@dataclass(frozen=True)
class Outcome:
    delivery_id: int
    status: str
    status_code: int | None


def due_ids(session: Session, now: datetime, limit: int = 100) -> list[int]:
    return list(
        session.scalars(
            select(WebhookDelivery.id)
            .where(WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now)
            .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
            .limit(limit)
        )
    )


def deliver_one(
    session: Session, delivery_id: int, now: datetime, send: Send = http_post
) -> Outcome:
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.status != "pending":
        raise DomainError("not_found", object="webhook_delivery")
    endpoint = session.get(WebhookEndpoint, delivery.endpoint_id)
    assert endpoint is not None  # foreign key
    code: int | None = None
    error: str | None = None
    if endpoint.disabled_at is not None:
        error = "endpoint disabled"
    else:
        headers = webhooks.headers(endpoint.secret, delivery.event_id, now, delivery.payload)
        try:
            code = send(endpoint.url, headers, delivery.payload.encode())
        except (OSError, ValueError) as err:  # unreachable, timeout, refused, bad URL
            error = f"{type(err).__name__}: {err}"[:200]
    session.add(WebhookAttempt(delivery_id=delivery.id, at=now, status_code=code, error=error))
    delivery.attempts += 1
    if code is not None and 200 <= code < 300:
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
    else:
        delivery.next_attempt_at = webhooks.next_attempt(delivery.attempts, now)
        if delivery.next_attempt_at is None or endpoint.disabled_at is not None:
            delivery.status, delivery.next_attempt_at = "failed", None
    session.flush()
    return Outcome(delivery.id, delivery.status, code)


def deliver_due(
    session: Session, now: datetime, send: Send = http_post, limit: int = 100
) -> list[Outcome]:
    """Send every due delivery (at most ``limit``), in one transaction of the caller."""
    return [deliver_one(session, i, now, send) for i in due_ids(session, now, limit)]


def replay(session: Session, delivery_id: int, now: datetime, organisation_id: int | None) -> None:
    """Send a delivery again (same event id, same body) at the next ``deliver_due``.
    ``organisation_id``: only that organisation's deliveries (None: any, for operators)."""
    row = session.execute(
        select(WebhookDelivery, WebhookEndpoint.organisation_id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.id == delivery_id)
    ).first()
    if row is None or (organisation_id is not None and row[1] != organisation_id):
        raise DomainError("not_found", object="webhook_delivery")
    delivery = row[0]
    delivery.status, delivery.next_attempt_at = "pending", now
    session.flush()
