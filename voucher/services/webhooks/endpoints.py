"""An organisation's webhook endpoints: register (the secret is shown once), list, disable.

Rules kept: an endpoint belongs to one organisation and chooses its events among
:data:`voucher.domain.webhooks.EVENTS`; its URL is ``https://`` (``http://`` only for
``localhost`` or ``127.0.0.1``, for tests and local tools); registering and disabling are
audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from voucher.db.models import WebhookDelivery, WebhookEndpoint
from voucher.domain.calendar import utcnow
from voucher.domain.errors import DomainError
from voucher.domain.webhooks import EVENTS, new_secret
from voucher.services import audit
from voucher.services.context import Actor

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class NewEndpoint:
    endpoint: WebhookEndpoint
    secret: str  # shown once


def check_url(url: str) -> str:
    parts = urlsplit(url.strip())
    local = parts.hostname in LOCAL_HOSTS
    if parts.scheme not in ("https", "http") or not parts.hostname or len(url) > 500:
        raise DomainError("invalid_webhook_url", field="url")
    if parts.scheme == "http" and not local:
        raise DomainError("invalid_webhook_url", field="url")
    return url.strip()


def register(
    session: Session, actor: Actor, organisation_id: int, url: str, events: list[str]
) -> NewEndpoint:
    unknown = [e for e in events if e not in EVENTS]
    if unknown or not events:
        raise DomainError("unknown_event", field="events")
    secret = new_secret()
    endpoint = WebhookEndpoint(
        organisation_id=organisation_id,
        url=check_url(url),
        events=sorted(set(events)),
        secret=secret,
        created_at=utcnow(),
    )
    session.add(endpoint)
    session.flush()
    audit.record(
        session,
        actor,
        "webhook.registered",
        ("webhook_endpoint", endpoint.id),
        organisation_id=organisation_id,
        events=endpoint.events,
    )
    return NewEndpoint(endpoint, secret)


def of_organisation(session: Session, organisation_id: int) -> list[WebhookEndpoint]:
    return list(
        session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.organisation_id == organisation_id)
            .order_by(WebhookEndpoint.id)
        )
    )


def disable(session: Session, actor: Actor, organisation_id: int, endpoint_id: int) -> None:
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.organisation_id != organisation_id:
        raise DomainError("not_found", object="webhook_endpoint")
    if endpoint.disabled_at is None:
        endpoint.disabled_at = utcnow()
        audit.record(
            session,
            actor,
            "webhook.disabled",
            ("webhook_endpoint", endpoint_id),
            organisation_id=organisation_id,
        )
    session.flush()


def deliveries(session: Session, endpoint_id: int, limit: int = 100) -> list[WebhookDelivery]:
    return list(
        session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint_id)
            .order_by(WebhookDelivery.id.desc())
            .limit(limit)
        )
    )
