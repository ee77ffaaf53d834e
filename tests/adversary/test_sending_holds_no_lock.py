"""A receiver that answers slowly, or never, must not stall the desks: webhooks and mail
are sent with no transaction open (on SQLite, every write waits for the one writer, and
a webhook's timeout is 10 s, a mail server's 20 s per step).

The unlucky operator's and the attacker's test (an organisation may register a receiver
that never answers):

* while a webhook or a mail is being handed over, no connection to the database holds a
  transaction (on SQLite: the write lock is free), and a desk's scan succeeds then;
* the worker killed while sending (fault point ``webhook.sending``) leaves the delivery
  taken but not recorded: not due again before its lease lapses, then sent again with the
  same event id, recorded once, the receiver hearing it once per send;
* two workers never take the same try: the second claim of a taken delivery gets nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import psycopg
from sqlalchemy import select

from tests.adversary.test_api_webhooks import Receiver, subscribe
from tests.adversary.test_api_webhooks import receiver as receiver  # the same fixture
from tests.drills import crash
from voucher.db.engine import unit_of_work
from voucher.db.models import WebhookAttempt, WebhookDelivery
from voucher.domain.calendar import utcnow
from voucher.services.mail import outbox, transport
from voucher.services.mail.settings import settings
from voucher.services.webhooks import delivery, events


def transactions_open(url: str) -> int:
    """How many other connections to the test's database hold a transaction now (SQLite:
    1 when the write lock is taken, every write transaction starting ``BEGIN IMMEDIATE``)."""
    if url.startswith("sqlite"):
        return int(crash.write_locked(url))
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
            "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
        ).fetchone()
    return int(row[0]) if row else 0


def _scan(as_key: Any, code: str, key: str) -> int:
    answer = as_key("reception").post(
        "/api/v1/redemptions", json={"code": code}, headers={"Idempotency-Key": key}
    )
    return int(answer.status_code)


def test_a_webhook_is_sent_with_no_transaction_open_and_a_desk_scans_meanwhile(
    app, world, as_key, receiver
):
    url = app.config["DATABASE_URL"]
    subscribe(app, world.structure_id, receiver.url, "batch.activated")
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        events.emit(s, "batch.activated", {"batch_id": 1}, [world.structure_id])
    seen: dict[str, int] = {}

    def slow_receiver(target: str, headers: dict[str, str], body: bytes) -> int:
        seen["open"] = transactions_open(url)
        seen["scan"] = _scan(as_key, world.codes[0], "pendant-l-envoi")
        return delivery.http_post(target, headers, body)

    [sent] = delivery.deliver_due(app.extensions["voucher.engine"], utcnow(), slow_receiver)
    assert seen == {"open": 0, "scan": 201}
    assert sent.status == "delivered" and len(receiver.received) == 1


def test_a_mail_is_handed_over_with_no_transaction_open(app, world, as_key, smtp, monkeypatch):
    url, eng = app.config["DATABASE_URL"], app.extensions["voucher.engine"]
    with unit_of_work(eng) as s:
        row = outbox.record(s, "job_finished", "moi@exemple.test", "Tâche", "Bonjour.\n")
        assert row is not None
        message_id = row.id
    seen: dict[str, int] = {}
    hand_over = transport.send

    def slow_server(cfg: Any, raw: str, sent_id: int) -> None:
        seen["open"] = transactions_open(url)
        seen["scan"] = _scan(as_key, world.codes[0], "pendant-le-courriel")
        hand_over(cfg, raw, sent_id)  # the real SMTP server on loopback

    monkeypatch.setattr(transport, "send", slow_server)
    assert outbox.deliver_one(eng, message_id, utcnow(), settings()) == "sent"
    assert seen == {"open": 0, "scan": 201}
    assert len(smtp.to("moi@exemple.test")) == 1


def test_a_taken_try_is_not_taken_twice(app, world, receiver):
    eng = app.extensions["voucher.engine"]
    subscribe(app, world.structure_id, receiver.url, "batch.activated")
    with unit_of_work(eng) as s:
        events.emit(s, "batch.activated", {"batch_id": 1}, [world.structure_id])
        [delivery_id] = delivery.due_ids(s, utcnow())
    now = utcnow()
    with unit_of_work(eng) as s:
        first = delivery.claim(s, delivery_id, now)
    with unit_of_work(eng) as s:
        second = delivery.claim(s, delivery_id, now)
    assert first is not None and second is None
    assert delivery.deliver_due(eng, now) == []  # the other worker finds nothing due


def test_killed_while_sending_the_delivery_is_sent_again_after_its_lease(
    app, world, receiver: Receiver, tmp_path
):
    url, eng = app.config["DATABASE_URL"], app.extensions["voucher.engine"]
    subscribe(app, world.structure_id, receiver.url, "batch.activated")
    with unit_of_work(eng) as s:
        events.emit(s, "batch.activated", {"batch_id": 1}, [world.structure_id])
    seen: dict[str, int] = {}

    def meanwhile() -> None:
        seen["open"] = transactions_open(url)

    crash.kill_at(
        "webhook.sending",
        url,
        tmp_path,
        "webhooks",
        "deliver",
        while_held=meanwhile,
        held_open=False,
    )
    assert seen == {"open": 0}
    assert receiver.received == []  # killed before sending
    assert delivery.deliver_due(eng, utcnow()) == []  # taken: not due before the lease lapses
    [again] = delivery.deliver_due(eng, utcnow() + delivery.LEASE + timedelta(seconds=1))
    assert again.status == "delivered" and len(receiver.received) == 1
    with unit_of_work(eng) as s:
        found = s.scalars(select(WebhookDelivery)).one()
        assert found.attempts == 2  # the killed try counted, the second delivered
        assert list(s.scalars(select(WebhookAttempt.status_code))) == [200]
