"""``voucher webhooks``: register an endpoint, deliver what is due to a receiver on
loopback (signed), list the deliveries, replay one."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select
from standardwebhooks import Webhook

from tests import factories as f
from tests.adversary.test_api_webhooks import Receiver
from voucher.cli import common
from voucher.cli.main import main
from voucher.db.engine import unit_of_work
from voucher.db.models import WebhookDelivery
from voucher.services.webhooks import events


def test_register_deliver_list_replay(app, monkeypatch, tmp_path):
    engine = app.extensions["voucher.engine"]
    monkeypatch.setenv("DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("VOUCHER_INSTANCE", str(tmp_path))
    monkeypatch.setattr(common, "engine", lambda: engine)
    receiver = Receiver()
    try:
        with unit_of_work(engine) as s:
            structure = f.structure(s).id
        runner = CliRunner()
        made = runner.invoke(
            main,
            ["webhooks", "register", "--organisation", str(structure), "--url", receiver.url]
            + ["--event", "redemption.cancelled"],
        )
        assert made.exit_code == 0, made.output
        secret = made.output.split("secret ")[1].split()[0]
        with unit_of_work(engine) as s:
            events.emit(s, "redemption.cancelled", {"redemption_id": 7}, [structure])
        sent = runner.invoke(main, ["webhooks", "deliver"])
        assert sent.exit_code == 0 and "delivered" in sent.output, sent.output
        headers, body = receiver.received[0]
        assert Webhook(secret).verify(body, headers)["data"] == {"redemption_id": 7}
        listed = runner.invoke(main, ["webhooks", "list", "--organisation", str(structure)])
        assert listed.exit_code == 0 and "delivered" in listed.output  # table cut to 80 columns
        with unit_of_work(engine) as s:
            delivery_id = s.scalar(select(WebhookDelivery.id))
        assert runner.invoke(main, ["webhooks", "replay", str(delivery_id)]).exit_code == 0
        assert runner.invoke(main, ["webhooks", "deliver"]).exit_code == 0
        assert len(receiver.received) == 2
        assert receiver.received[1][0]["webhook-id"] == headers["webhook-id"]
    finally:
        receiver.server.shutdown()
        receiver.server.server_close()
