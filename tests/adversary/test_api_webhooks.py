"""A partner's receiver on loopback: every notification it gets is signed (checked with the
Standard Webhooks library, not ours), a 500 is retried on the backoff schedule with the
same event id, a delivered event is not sent again, and work that was rolled back or
refused announces nothing."""

from __future__ import annotations

import threading
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from sqlalchemy import func, select
from standardwebhooks import Webhook

from voucher.db.engine import unit_of_work
from voucher.db.models import WebhookAttempt, WebhookDelivery
from voucher.domain.calendar import utcnow
from voucher.services.context import Actor
from voucher.services.webhooks import delivery, endpoints, events


class Receiver:
    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], str]] = []
        self.answers: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length).decode()
                receiver.received.append(({k.lower(): v for k, v in self.headers.items()}, body))
                status = receiver.answers.pop(0) if receiver.answers else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Any:
    found = Receiver()
    yield found
    found.server.shutdown()
    found.server.server_close()


def deliver(app: Any, after: timedelta = timedelta(0)) -> list[delivery.Outcome]:
    return delivery.deliver_due(app.extensions["voucher.engine"], utcnow() + after)


def subscribe(app: Any, organisation_id: int, url: str, *wanted: str) -> str:
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        new = endpoints.register(s, Actor(label="test"), organisation_id, url, list(wanted))
        return new.secret


def test_signed_retried_after_a_500_and_delivered_once(as_key, world, app, receiver):
    secret = subscribe(app, world.structure_id, receiver.url, "redemption.cancelled")
    reception = as_key("reception")
    scan = reception.post(
        "/api/v1/redemptions", json={"code": world.codes[0]}, headers={"Idempotency-Key": "w"}
    ).get_json()
    cancel = f"/api/v1/redemptions/{scan['redemption_id']}/cancel"
    assert reception.post(cancel).status_code == 200
    assert receiver.received == []  # nothing leaves before someone delivers the outbox
    # a refused second cancel announces nothing
    assert reception.post(cancel).status_code == 409

    receiver.answers = [500]
    assert [o.status_code for o in deliver(app)] == [500]
    assert deliver(app) == []  # not due again before its backoff
    assert [o.status for o in deliver(app, timedelta(seconds=6))] == ["delivered"]
    assert deliver(app, timedelta(days=2)) == []  # delivered: never sent again

    assert len(receiver.received) == 2
    ids = {headers["webhook-id"] for headers, _ in receiver.received}
    assert len(ids) == 1  # the retry carries the same event id
    for headers, body in receiver.received:
        payload = Webhook(secret).verify(body, headers)  # raises on a bad signature
        assert payload["type"] == "redemption.cancelled"
        assert payload["data"]["redemption_id"] == scan["redemption_id"]
    with pytest.raises(Exception):  # noqa: B017 (the library's own verification error)
        headers, body = receiver.received[0]
        Webhook(secret).verify(body.replace("cancelled", "accepted"), headers)
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        attempts = s.scalars(select(WebhookAttempt.status_code).order_by(WebhookAttempt.id))
        assert list(attempts) == [500, 200]


def test_rolled_back_work_announces_nothing(world, app, receiver):
    subscribe(app, world.structure_id, receiver.url, "redemption.cancelled")
    with pytest.raises(RuntimeError), unit_of_work(app.extensions["voucher.engine"]) as s:
        queued = events.emit(s, "redemption.cancelled", {"redemption_id": 1}, [world.structure_id])
        assert queued == 1
        raise RuntimeError("the work failed after its event was written")
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        assert s.scalar(select(func.count()).select_from(WebhookDelivery)) == 0
    assert deliver(app, timedelta(days=1)) == [] and receiver.received == []


def test_only_subscribed_organisations_hear_and_a_failed_delivery_can_be_replayed(
    as_key, world, app, receiver
):
    subscribe(app, world.other_structure_id, receiver.url, "redemption.cancelled")
    subscribe(app, world.funder_id, receiver.url, "batch.activated")
    reception = as_key("reception")
    scan = reception.post(
        "/api/v1/redemptions", json={"code": world.codes[0]}, headers={"Idempotency-Key": "r"}
    ).get_json()
    reception.post(f"/api/v1/redemptions/{scan['redemption_id']}/cancel")
    assert deliver(app) == []  # the other place did not scan; the funder chose other events

    mine = subscribe(app, world.structure_id, "http://127.0.0.1:9/closed", "redemption.cancelled")
    assert mine.startswith("whsec_")
    second = reception.post(
        "/api/v1/redemptions", json={"code": world.codes[1]}, headers={"Idempotency-Key": "r2"}
    ).get_json()
    reception.post(f"/api/v1/redemptions/{second['redemption_id']}/cancel")
    later = timedelta(0)
    for _ in range(7):  # every attempt of the schedule fails: nobody listens on port 9
        outcomes = deliver(app, later)
        later += timedelta(hours=11)
    assert outcomes[0].status == "failed" and outcomes[0].status_code is None
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        failed = s.scalars(select(WebhookDelivery).where(WebhookDelivery.status == "failed")).one()
        assert failed.attempts == 7
        delivery.replay(s, failed.id, utcnow(), organisation_id=world.structure_id)
    assert [o.delivery_id for o in deliver(app)] == [failed.id]


def test_the_job_worker_delivers_the_outbox_without_a_cron(
    as_key, world, app, receiver, tmp_path, monkeypatch
):
    from voucher.services.jobs import queue, worker

    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("VOUCHER_INSTANCE", str(tmp_path / "instance"))
    queue.queue.cache_clear()
    worker.engine.cache_clear()
    subscribe(app, world.structure_id, receiver.url, "redemption.cancelled")
    reception = as_key("reception")
    scan = reception.post(
        "/api/v1/redemptions", json={"code": world.codes[0]}, headers={"Idempotency-Key": "p"}
    ).get_json()
    assert reception.post(f"/api/v1/redemptions/{scan['redemption_id']}/cancel").status_code == 200
    periodic = queue.queue()._registry.periodic_tasks  # noqa: SLF001 (what the consumer runs)
    assert "deliver_webhooks" in [task.name for task in periodic]
    try:
        assert queue.TASKS["deliver_webhooks"].call_local() == 1
        assert queue.TASKS["deliver_webhooks"].call_local() == 0  # delivered once
    finally:
        worker.engine().dispose()
        worker.engine.cache_clear()
        queue.queue.cache_clear()
    assert len(receiver.received) == 1
