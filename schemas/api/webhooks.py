"""Webhook endpoints and their deliveries."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from voucher.domain.webhooks import EVENTS


class WebhookInSchema(Schema):
    url = fields.String(
        required=True,
        validate=validate.Length(1, 500),
        metadata={"description": "adresse en https qui reçoit les notifications"},
    )
    events = fields.List(
        fields.String(validate=validate.OneOf(EVENTS)),
        required=True,
        validate=validate.Length(1, len(EVENTS)),
        metadata={"description": "événements choisis"},
    )


class DeliverySchema(Schema):
    id = fields.Integer(required=True)
    event_id = fields.String(required=True, metadata={"description": "en-tête webhook-id"})
    event_type = fields.String(required=True)
    status = fields.String(required=True, metadata={"description": "pending, delivered ou failed"})
    attempts = fields.Integer(required=True)
    next_attempt_at = fields.AwareDateTime(required=True, allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    delivered_at = fields.AwareDateTime(required=True, allow_none=True)


class WebhookSchema(Schema):
    id = fields.Integer(required=True)
    url = fields.String(required=True)
    events = fields.List(fields.String(), required=True)
    created_at = fields.AwareDateTime(required=True)
    disabled_at = fields.AwareDateTime(required=True, allow_none=True)
    deliveries = fields.List(
        fields.Nested(DeliverySchema),
        required=True,
        metadata={"description": "les 20 derniers envois"},
    )


class NewWebhookSchema(WebhookSchema):
    secret = fields.String(
        required=True,
        metadata={"description": "secret de signature (whsec_…), affiché une seule fois"},
    )


class WebhookListSchema(Schema):
    items = fields.List(fields.Nested(WebhookSchema), required=True)
