"""Scans: code look-ups, single redemptions (with an Idempotency-Key), offline batches."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from schemas.api.common import (
    Items,
    RefSchema,
    SyncArgsSchema,
    clean_text,
    sync_page_of,
)
from voucher.domain.idempotency import KEY_PATTERN
from voucher.domain.vocab import AUTONOMY, THEMES

BATCH_MAX = 1000
_KEY_HELP = "1 à 100 caractères ASCII visibles ; l'identifiant du scan donné par le scanner"


def _key(**kw: Any) -> fields.String:
    return fields.String(
        validate=validate.Regexp(KEY_PATTERN, error="1 à 100 caractères ASCII visibles."),
        metadata={"description": _KEY_HELP},
        **kw,
    )


def _code() -> fields.String:
    return fields.String(
        required=True,
        validate=[validate.Length(1, 64), clean_text],
        metadata={"description": "code du chèque tel que lu ou tapé (espaces, tirets tolérés)"},
    )


def _theme() -> fields.String:
    return fields.String(
        allow_none=True,
        validate=validate.OneOf(sorted(THEMES)),
        metadata={"description": "thème de la séance (référentiel national)"},
    )


def _autonomy() -> fields.String:
    return fields.String(
        allow_none=True,
        validate=validate.OneOf(sorted(AUTONOMY)),
        metadata={"description": "autonomie observée (référentiel national)"},
    )


class IdempotencyHeaderSchema(Schema):
    idempotency_key = _key(required=True, data_key="Idempotency-Key")


class OptionalIdempotencyHeaderSchema(Schema):
    idempotency_key = _key(data_key="Idempotency-Key")


class VoucherSchema(Schema):
    """What is printed on the voucher, its state and its programme: never its beneficiary."""

    code = fields.String(required=True)
    status = fields.String(
        required=True, metadata={"description": "état du chèque (docs/states.md)"}
    )
    face_value_cents = fields.Integer(required=True)
    programme = fields.Nested(RefSchema, required=True)
    valid_until = fields.Date(required=True)
    book_serial = fields.Integer(required=True)
    position = fields.Integer(required=True)
    vouchers_per_book = fields.Integer(required=True)


class VoucherCheckSchema(VoucherSchema):
    last_day = fields.Date(
        required=True,
        metadata={"description": "dernier jour d'encaissement (délai de grâce compris)"},
    )
    acceptable = fields.Boolean(required=True)
    reason = fields.String(
        required=True,
        allow_none=True,
        metadata={"description": "code du refus si le chèque ne serait pas accepté ici"},
    )


class ScanSchema(Schema):
    code = _code()
    theme = _theme()
    autonomy = _autonomy()
    scanned_at = fields.AwareDateTime(
        allow_none=True,
        metadata={"description": "heure du scan (hors ligne) ; absente : maintenant"},
    )


class RedemptionSchema(Schema):
    redemption_id = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["accepted", "held"]))
    scan_id = fields.String(required=True, allow_none=True)
    scanned_at = fields.AwareDateTime(required=True)
    voucher = fields.Nested(VoucherSchema, required=True)


class BatchScanSchema(ScanSchema):
    scan_id = _key(required=True)
    scanned_at = fields.AwareDateTime(
        required=True, metadata={"description": "heure du scan hors ligne"}
    )


class BatchScansSchema(Schema):
    #: each scan loaded on its own: one that does not load is refused alone
    scans = Items(
        fields.Nested(BatchScanSchema),
        required=True,
        validate=validate.Length(1, BATCH_MAX, error=f"Entre 1 et {BATCH_MAX} scans par envoi."),
    )


class BatchItemResultSchema(Schema):
    scan_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["accepted", "held", "refused"]))
    redemption_id = fields.Integer(required=True, allow_none=True)
    reason = fields.String(
        required=True, allow_none=True, metadata={"description": "code du refus"}
    )
    detail = fields.String(required=True, allow_none=True)
    replayed = fields.Boolean(
        required=True, metadata={"description": "résultat d'un envoi précédent"}
    )
    voucher = fields.Nested(VoucherSchema, required=True, allow_none=True)
    dispute_id = fields.Integer(
        required=True,
        allow_none=True,
        metadata={
            "description": "litige ouvert pour ce refus : l'acceptation faite hors ligne "
            "est examinée par le financeur (GET /disputes/{id}), jamais perdue"
        },
    )
    errors = fields.Dict(
        metadata={"description": "champ -> messages, pour un scan mal formé (refusé seul)"}
    )


class BatchResultSchema(Schema):
    results = fields.List(fields.Nested(BatchItemResultSchema), required=True)
    accepted = fields.Integer(required=True)
    held = fields.Integer(required=True)
    refused = fields.Integer(required=True)


class ScanRowSchema(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True)
    code = fields.String(required=True)
    book_serial = fields.Integer(required=True)
    position = fields.Integer(required=True)
    structure_id = fields.Integer(required=True)
    programme_id = fields.Integer(required=True)
    face_value_cents = fields.Integer(required=True)
    scan_id = fields.String(required=True, allow_none=True)
    scanned_at = fields.AwareDateTime(required=True)
    recorded_at = fields.AwareDateTime(required=True)
    theme = fields.String(required=True, allow_none=True)
    autonomy = fields.String(required=True, allow_none=True)
    cancelled_at = fields.AwareDateTime(required=True, allow_none=True)


class ScanListArgsSchema(SyncArgsSchema):
    status = fields.String(validate=validate.OneOf(["accepted", "held", "cancelled", "rejected"]))


ScanPageSchema = sync_page_of(ScanRowSchema, "ScanPageSchema")
