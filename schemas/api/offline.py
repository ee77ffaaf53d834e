"""The offline pack (``GET /api/v1/offline-pack``)."""

from __future__ import annotations

from marshmallow import Schema, fields


class PackArgsSchema(Schema):
    since = fields.AwareDateTime(
        metadata={"description": "rafraîchir : seulement ce qui a changé depuis (as_of reçu)"}
    )


class OfflinePackSchema(Schema):
    format = fields.String(
        required=True, metadata={"description": "hmac-sha256-truncated (docs/api.md)"}
    )
    hash_bytes = fields.Integer(required=True)
    salt = fields.String(required=True, metadata={"description": "base64"})
    programmes = fields.List(fields.Integer(), required=True)
    full = fields.Boolean(
        required=True, metadata={"description": "true : paquet complet ; false : mise à jour"}
    )
    added = fields.String(
        required=True, metadata={"description": "entrées triées, concaténées, en base64"}
    )
    removed = fields.String(
        required=True, metadata={"description": "entrées à retirer (base64) ; vide si full"}
    )
    count = fields.Integer(required=True, metadata={"description": "nombre d'entrées ajoutées"})
    generated_at = fields.AwareDateTime(required=True)
    as_of = fields.AwareDateTime(
        required=True,
        metadata={"description": "à passer en « since » au prochain rafraîchissement"},
    )
    signature = fields.String(
        required=True,
        metadata={"description": "HMAC-SHA256 (hex), clé : SHA-256 de la clé d'API de l'appareil"},
    )
