"""A month close announces each statement to its structure's webhook (``statement.issued``),
in the close's own transaction: only structures that subscribed hear of it."""

from __future__ import annotations

import json

from sqlalchemy import select

from tests.services.finance import finance_world as fw
from tests.services.finance.test_close import close
from voucher.db.models import WebhookDelivery
from voucher.services.context import SYSTEM
from voucher.services.webhooks import endpoints


def test_each_statement_is_announced_to_its_structure_only(session):
    w = fw.world(session, structures=2)
    fw.scan(session, w, fw.paris(2026, 3, 2), structure=0)
    fw.scan(session, w, fw.paris(2026, 3, 9), structure=1)
    hook = endpoints.register(
        session, SYSTEM, w.structures[0].id, "https://place.example/hooks", ["statement.issued"]
    )
    endpoints.register(
        session, SYSTEM, w.structures[1].id, "https://other.example/hooks", ["transfer.paid"]
    )
    result = close(session, 2026, 3)
    sent = session.scalars(select(WebhookDelivery)).all()
    assert [d.endpoint_id for d in sent] == [hook.endpoint.id]
    body = json.loads(sent[0].payload)
    mine = next(s for s in result.created if s.structure_id == w.structures[0].id)
    assert body["type"] == "statement.issued" and body["data"]["number"] == mine.number
    assert body["data"]["total_cents"] == mine.total_cents
