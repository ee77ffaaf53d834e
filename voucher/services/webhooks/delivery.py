"""Sending what the outbox holds: ``deliver_due(engine, now)``.

Rules kept:

* a delivery is due when pending and its ``next_attempt_at`` has come; it is sent with the
  Standard Webhooks headers (:func:`voucher.domain.webhooks.headers`), the body exactly as
  written when the event happened;
* a 2xx answer delivers it; anything else (another status, no answer, a timeout) is an
  attempt recorded with its status or error, and the next one is scheduled by the backoff
  schedule (:data:`voucher.domain.webhooks.BACKOFF`); after the last it is ``failed``;
* every attempt is a :class:`WebhookAttempt` row; a failed or delivered delivery can be
  replayed (:func:`replay`: pending again, due now, same event id);
* a try is taken, sent and recorded in three steps (:func:`deliver_one`): the claim and the
  record are two short transactions, and nothing is held while the receiver answers (a
  receiver that never answers holds no lock for its timeout: on SQLite every write waits
  for the one writer). The claim counts the attempt and pushes the next try past
  :data:`LEASE`, so two workers never send the same try; a worker killed while sending
  leaves the delivery due again once the lease lapses, and it is sent again (receivers
  dedupe on ``webhook-id``).
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from voucher import faults
from voucher.db.engine import unit_of_work
from voucher.db.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from voucher.domain import webhooks
from voucher.domain.errors import DomainError

TIMEOUT = 10.0
#: how long a claimed try is kept from other workers: far above a send's timeout
LEASE = timedelta(minutes=5)
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


@dataclass(frozen=True)
class Claim:
    """One try of a delivery, taken by :func:`claim`: what to send, and the attempt number
    that is its token (a later claim of the same delivery counts another)."""

    delivery_id: int
    attempt: int
    url: str
    headers: dict[str, str]
    body: bytes
    disabled: bool


def claim(session: Session, delivery_id: int, now: datetime) -> Claim | None:
    """Take a due delivery for one try: its attempt counted and its next try pushed past
    :data:`LEASE`, so that no other worker takes it while it is sent. None when it is not
    due (delivered, failed, or taken by another worker)."""
    taken = session.execute(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= now,
        )
        .values(attempts=WebhookDelivery.attempts + 1, next_attempt_at=now + LEASE)
        .returning(
            WebhookDelivery.attempts,
            WebhookDelivery.endpoint_id,
            WebhookDelivery.event_id,
            WebhookDelivery.payload,
        ),
        execution_options={"synchronize_session": False},
    ).first()
    if taken is None:
        return None
    attempt, endpoint_id, event_id, payload = taken
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    assert endpoint is not None  # foreign key
    headers = webhooks.headers(endpoint.secret, event_id, now, payload)
    disabled = endpoint.disabled_at is not None
    return Claim(delivery_id, attempt, endpoint.url, headers, payload.encode(), disabled)


def attempt(claimed: Claim, send: Send = http_post) -> tuple[int | None, str | None]:
    """Send one claimed try, with no transaction open; the receiver's status or the error."""
    if claimed.disabled:
        return None, "endpoint disabled"
    try:
        return send(claimed.url, claimed.headers, claimed.body), None
    except (OSError, ValueError) as err:  # unreachable, timeout, refused, bad URL
        return None, f"{type(err).__name__}: {err}"[:200]


def finish(
    session: Session, claimed: Claim, now: datetime, code: int | None, error: str | None
) -> Outcome:
    """Record a try: its :class:`WebhookAttempt` row always, and the delivery's state unless
    the delivery was taken again meanwhile (its lease lapsed): the later try records it."""
    delivery = session.scalars(
        select(WebhookDelivery).where(WebhookDelivery.id == claimed.delivery_id).with_for_update()
    ).one()
    session.add(WebhookAttempt(delivery_id=delivery.id, at=now, status_code=code, error=error))
    if delivery.status == "pending" and delivery.attempts == claimed.attempt:
        if code is not None and 200 <= code < 300:
            delivery.status, delivery.delivered_at = "delivered", now
            delivery.next_attempt_at = None
        else:
            delivery.next_attempt_at = webhooks.next_attempt(delivery.attempts, now)
            if delivery.next_attempt_at is None or claimed.disabled:
                delivery.status, delivery.next_attempt_at = "failed", None
    session.flush()
    return Outcome(delivery.id, delivery.status, code)


def deliver_one(
    eng: Engine, delivery_id: int, now: datetime, send: Send = http_post
) -> Outcome | None:
    """One try of a delivery in three steps: taken (a short transaction), sent with no
    transaction open (a slow or silent receiver holds no lock: on SQLite, the desks' writes
    go on), recorded (another short transaction). None: not due, or another worker has it."""
    with unit_of_work(eng) as session:
        claimed = claim(session, delivery_id, now)
    if claimed is None:
        return None
    faults.point("webhook.sending")  # claimed and committed, not sent yet: no transaction
    code, error = attempt(claimed, send)
    with unit_of_work(eng) as session:
        return finish(session, claimed, now, code, error)


def deliver_due(
    eng: Engine, now: datetime, send: Send = http_post, limit: int = 100
) -> list[Outcome]:
    """Try every delivery due (at most ``limit``), each as :func:`deliver_one` does."""
    with unit_of_work(eng) as session:
        due = due_ids(session, now, limit)
    tried = (deliver_one(eng, delivery_id, now, send) for delivery_id in due)
    return [outcome for outcome in tried if outcome is not None]


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
