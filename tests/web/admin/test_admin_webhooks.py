"""Webhooks in the administration: an administrator sees the endpoints of the
organisations it administers with their deliveries and attempts, and replays one; an
organisation's administrator neither sees nor replays another organisation's."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from tests.web.workspace_world import login, post, text
from voucher.db.engine import unit_of_work
from voucher.db.models import WebhookDelivery
from voucher.domain.calendar import utcnow
from voucher.services.context import SYSTEM
from voucher.services.webhooks import delivery, endpoints, events


def failed_delivery(app, organisation_id: int) -> int:
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        endpoints.register(
            s, SYSTEM, organisation_id, "http://127.0.0.1:9/closed", ["batch.activated"]
        )
        events.emit(s, "batch.activated", {"batch_id": 1}, [organisation_id])
    later = timedelta(0)
    for _ in range(7):  # nobody listens on port 9: every attempt fails
        delivery.deliver_due(app.extensions["voucher.engine"], utcnow() + later)
        later += timedelta(hours=11)
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        found = s.scalars(select(WebhookDelivery)).one()
        assert found.status == "failed"
        return found.id


def test_an_admin_sees_attempts_and_replays_a_failed_delivery(app, client, world):
    sent = failed_delivery(app, world.structure_a)
    login(client, world.emails["admin"])
    page = text(client.get("/admin/webhooks"))
    assert "127.0.0.1:9/closed" in page and "en échec" in page and "batch.activated" in page
    done = post(client, f"/admin/webhooks/envois/{sent}/renvoyer", form_page="/admin/webhooks")
    assert done.status_code == 303
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        assert s.get(WebhookDelivery, sent).status == "pending"


def test_an_organisation_admin_cannot_see_or_replay_anothers(app, client, world):
    sent = failed_delivery(app, world.structure_a)
    login(client, world.emails["admin_a"])
    assert "127.0.0.1:9/closed" not in text(client.get("/admin/webhooks"))
    refused = post(client, f"/admin/webhooks/envois/{sent}/renvoyer", form_page="/admin/webhooks")
    assert refused.status_code == 404
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        assert s.get(WebhookDelivery, sent).status == "failed"
