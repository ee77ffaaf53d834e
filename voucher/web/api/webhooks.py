"""An organisation's webhooks through the API: register (the signing secret is answered
once), list with their last deliveries, and replay a delivery (same event id, same body,
sent by the next ``voucher webhooks deliver``). Any key acts for its own organisation
only; another organisation's endpoint or delivery is 404."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_smorest import Blueprint

from schemas.api.webhooks import (
    DeliverySchema,
    NewWebhookSchema,
    WebhookInSchema,
    WebhookListSchema,
    WebhookSchema,
)
from voucher.db.models import WebhookDelivery, WebhookEndpoint
from voucher.domain.calendar import utcnow
from voucher.services.webhooks import delivery, endpoints
from voucher.web.api import replies, security
from voucher.web.db import db, writes

blp = Blueprint("api_webhooks", __name__, url_prefix="/api/v1", description="Webhooks")
HOOK, NEW, SENT = WebhookSchema(), NewWebhookSchema(), DeliverySchema()
RECENT = 20


def view(endpoint: WebhookEndpoint) -> dict[str, Any]:
    sent = endpoints.deliveries(db(), endpoint.id, RECENT)
    return {
        "id": endpoint.id,
        "url": endpoint.url,
        "events": list(endpoint.events),
        "created_at": endpoint.created_at,
        "disabled_at": endpoint.disabled_at,
        "deliveries": [_delivery(d) for d in sent],
    }


def _delivery(d: WebhookDelivery) -> dict[str, Any]:
    return {
        c: getattr(d, c)
        for c in (
            "id",
            "event_id",
            "event_type",
            "status",
            "attempts",
            "next_attempt_at",
            "created_at",
            "delivered_at",
        )
    }


@blp.route("/webhooks", methods=["POST"])
@writes
@security.key_required()
@blp.doc(summary="Enregistrer une adresse de notification et ses événements")
@blp.arguments(WebhookInSchema)
@blp.response(201, NewWebhookSchema)
def register(body: dict[str, Any]) -> Response:
    actor = security.actor()
    new = endpoints.register(
        db(), actor, int(actor.organisation_id or 0), body["url"], body["events"]
    )
    return replies.ok(NEW.dump({**view(new.endpoint), "secret": new.secret}), 201)


@blp.route("/webhooks", methods=["GET"])
@security.key_required()
@blp.doc(summary="Les adresses de notification de l'organisation et leurs derniers envois")
@blp.response(200, WebhookListSchema)
def list_webhooks() -> Response:
    found = endpoints.of_organisation(db(), int(security.actor().organisation_id or 0))
    return replies.ok({"items": [HOOK.dump(view(e)) for e in found]})


@blp.route(
    "/webhooks/deliveries/<int(min=1, max=9007199254740991):delivery_id>/replay",
    methods=["POST"],
)
@writes
@security.key_required()
@blp.doc(summary="Renvoyer une notification (même identifiant d'événement)")
@blp.response(200, DeliverySchema)
def replay(delivery_id: int) -> Response:
    organisation_id = int(security.actor().organisation_id or 0)
    delivery.replay(db(), delivery_id, utcnow(), organisation_id)
    sent = db().get(WebhookDelivery, delivery_id)
    return replies.ok(SENT.dump(_delivery(sent)) if sent else {})
