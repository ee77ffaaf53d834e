"""``voucher webhooks register|list|deliver|replay``: webhook endpoints and the outbox.

``deliver`` sends every due delivery, each in its own transaction (committed after its
attempt is recorded), and prints a line per delivery; run it from cron or the job queue.
"""

from __future__ import annotations

import click
from rich.table import Table

from voucher.cli import common
from voucher.cli.common import actor, console, transaction
from voucher.db.models import WebhookDelivery
from voucher.domain.calendar import utcnow
from voucher.domain.webhooks import EVENTS
from voucher.services.webhooks import delivery, endpoints


@click.group(help="Notifications (webhooks) des organisations.")
def webhooks() -> None:
    pass


@webhooks.command(
    "register", help="Enregistre une adresse et ses événements (secret affiché une fois)."
)
@click.option("--organisation", "organisation_id", type=int, required=True)
@click.option("--url", required=True)
@click.option("--event", "events", multiple=True, required=True, type=click.Choice(EVENTS))
def register(organisation_id: int, url: str, events: tuple[str, ...]) -> None:
    with transaction() as session:
        new = endpoints.register(
            session, actor(session, None, "webhooks"), organisation_id, url, list(events)
        )
        console.print(
            f"Webhook n° {new.endpoint.id} : secret {new.secret} (affiché une seule fois)"
        )


@webhooks.command("list", help="Les adresses d'une organisation et leurs derniers envois.")
@click.option("--organisation", "organisation_id", type=int, required=True)
def list_endpoints(organisation_id: int) -> None:
    with transaction(confirm=False) as session:
        table = Table(title="Webhooks")
        for col in ("n°", "adresse", "événements", "envoi", "événement", "statut", "essais"):
            table.add_column(col)
        for endpoint in endpoints.of_organisation(session, organisation_id):
            sends: list[WebhookDelivery | None] = [*endpoints.deliveries(session, endpoint.id, 20)]
            for sent in sends or [None]:
                table.add_row(
                    str(endpoint.id),
                    endpoint.url,
                    ", ".join(endpoint.events),
                    str(sent.id) if sent else "",
                    sent.event_type if sent else "",
                    sent.status if sent else "",
                    str(sent.attempts) if sent else "",
                )
    console.print(table)


@webhooks.command(
    "deliver", help="Envoie les notifications dues (chacune prise, envoyée, puis notée)."
)
@click.option("--limit", type=int, default=100, show_default=True)
def deliver(limit: int) -> None:
    eng = common.engine()
    try:
        tried = delivery.deliver_due(eng, utcnow(), limit=limit)
        for out in tried:
            console.print(f"envoi {out.delivery_id} : {out.status} ({out.status_code or '—'})")
        console.print(f"{len(tried)} envoi(s) traité(s)")
    finally:
        eng.dispose()


@webhooks.command("replay", help="Renvoie une notification (même identifiant d'événement).")
@click.argument("delivery_id", type=int)
def replay(delivery_id: int) -> None:
    with transaction() as session:
        delivery.replay(session, delivery_id, utcnow(), None)
    console.print(f"envoi {delivery_id} : à renvoyer au prochain « voucher webhooks deliver »")
