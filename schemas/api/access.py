"""The calling key (``GET /api/v1/me``)."""

from __future__ import annotations

from marshmallow import Schema, fields

from schemas.api.common import RefSchema


class KeyInfoSchema(Schema):
    prefix = fields.String(
        required=True, metadata={"description": "partie publique de la clé (journaux)"}
    )
    name = fields.String(required=True, metadata={"description": "nom donné à la clé"})
    created_at = fields.AwareDateTime(required=True)
    last_used_at = fields.AwareDateTime(required=True, allow_none=True)
    expires_at = fields.AwareDateTime(
        required=True,
        allow_none=True,
        metadata={"description": "fin de validité (après une rotation : celle de l'ancienne clé)"},
    )
    device_label = fields.String(
        required=True, allow_none=True, metadata={"description": "appareil qui porte la clé"}
    )


class MeSchema(Schema):
    key = fields.Nested(KeyInfoSchema, required=True)
    organisation = fields.Nested(RefSchema, required=True)
    role = fields.String(required=True)
    operations = fields.List(
        fields.String(),
        required=True,
        metadata={"description": "operationId des opérations que la clé peut appeler"},
    )
    limits = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        required=True,
        metadata={"description": "limites de débit (lookup, redeem, batch, address)"},
    )
    structure = fields.Nested(
        RefSchema,
        required=True,
        allow_none=True,
        metadata={"description": "le lieu pour lequel la clé encaisse (clé reception)"},
    )
    programmes = fields.List(
        fields.Nested(RefSchema),
        required=True,
        metadata={"description": "dispositifs que le lieu peut encaisser aujourd'hui"},
    )
