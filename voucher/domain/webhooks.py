"""Webhook events, signatures and the retry schedule (pure rules).

Signatures follow Standard Webhooks: headers ``webhook-id`` (the event's id, the same on
every attempt: receivers dedupe on it), ``webhook-timestamp`` (Unix seconds of this
attempt) and ``webhook-signature`` = ``v1,`` + base64 of HMAC-SHA256, keyed with the
base64-decoded part of the secret after ``whsec_``, over ``{id}.{timestamp}.{body}``.
Receivers check the signature and refuse timestamps more than five minutes away.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from voucher.domain.errors import register

EVENTS = (
    "redemption.cancelled",
    "hold.released",
    "hold.rejected",
    "statement.issued",
    "transfer.paid",
    "transfer.rejected",
    "batch.activated",
    "job.finished",
    "dispute.released",
    "dispute.rejected",
)
#: wait before attempt n+1 (after attempt n failed); after the last one the delivery fails
BACKOFF = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
)
MAX_ATTEMPTS = len(BACKOFF) + 1
SECRET_PREFIX = "whsec_"  # noqa: S105 (the format's prefix, not a secret)

register("unknown_event", "Événement inconnu : choisissez parmi " + ", ".join(EVENTS) + ".")
register(
    "invalid_webhook_url",
    "Adresse de webhook invalide : une adresse en https (en http seulement pour localhost).",
)


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def new_event_id() -> str:
    return "evt_" + secrets.token_hex(16)


def sign(secret: str, event_id: str, timestamp: int, body: str) -> str:
    key = base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    signed = f"{event_id}.{timestamp}.{body}".encode()
    digest = hmac.new(key, signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(secret: str, event_id: str, now: datetime, body: str) -> dict[str, str]:
    timestamp = int(now.timestamp())
    return {
        "content-type": "application/json",
        "webhook-id": event_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": sign(secret, event_id, timestamp, body),
    }


def next_attempt(attempts: int, now: datetime) -> datetime | None:
    """When to try again after ``attempts`` failed attempts; None: give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return now + BACKOFF[attempts - 1]
