"""Batches, books and hand-outs (the beneficiary's profile goes in, never comes out)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, fields, validate

from schemas.api.common import SyncArgsSchema, sync_page_of
from voucher.domain.vocab import AGE_BANDS, FOLLOW_UP, POPULATIONS, STATUSES

_ID = {"validate": validate.Range(min=1, max=2**53)}


class BatchInSchema(Schema):
    programme_id = fields.Integer(required=True, **_ID)  # type: ignore[arg-type]
    prescriber_id = fields.Integer(required=True, **_ID)  # type: ignore[arg-type]
    books = fields.Integer(required=True, validate=validate.Range(min=1, max=100_000))


class BatchSchema(Schema):
    id = fields.Integer(required=True)
    programme_id = fields.Integer(required=True)
    prescriber_id = fields.Integer(required=True)
    books_count = fields.Integer(required=True)
    vouchers_per_book = fields.Integer(required=True)
    face_value_cents = fields.Integer(required=True)
    value_cents = fields.Method("_value", required=True)
    first_serial = fields.Integer(required=True)
    last_serial = fields.Method("_last", required=True)
    status = fields.String(required=True)
    created_at = fields.AwareDateTime(required=True)
    activated_at = fields.AwareDateTime(required=True, allow_none=True)
    acknowledged_at = fields.AwareDateTime(required=True, allow_none=True)

    def _value(self, batch: Any) -> int:
        return int(batch.books_count * batch.vouchers_per_book * batch.face_value_cents)

    def _last(self, batch: Any) -> int:
        return int(batch.first_serial + batch.books_count - 1)


BatchPageSchema = sync_page_of(BatchSchema, "BatchPageSchema")


class BookSchema(Schema):
    serial = fields.Integer(required=True)
    batch_id = fields.Integer(required=True)
    programme_id = fields.Integer(required=True)
    holder_id = fields.Integer(
        required=True, metadata={"description": "prescripteur qui détient le carnet"}
    )
    status = fields.String(required=True)
    handed_out = fields.Boolean(required=True)
    handed_out_at = fields.AwareDateTime(required=True, allow_none=True)
    reported_at = fields.AwareDateTime(required=True, allow_none=True)
    vouchers = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        required=True,
        metadata={"description": "nombre de chèques par état"},
    )


class BookListArgsSchema(SyncArgsSchema):
    status = fields.String(
        validate=validate.OneOf(["in_stock", "handed_out", "lost", "stolen", "expired"])
    )


BookPageSchema = sync_page_of(BookSchema, "BookPageSchema")


class MoveSchema(Schema):
    to_prescriber_id = fields.Integer(required=True, **_ID)  # type: ignore[arg-type]


class HandOutSchema(Schema):
    """A pseudonymous profile: the prescriber's own file reference (hashed with a key kept
    apart, never stored as such) and national codes. No name, address, phone, birth date."""

    local_reference = fields.String(required=True, validate=validate.Length(1, 100))
    population = fields.String(required=True, validate=validate.OneOf(sorted(POPULATIONS)))
    age_band = fields.String(required=True, validate=validate.OneOf(sorted(AGE_BANDS)))
    social_status = fields.String(required=True, validate=validate.OneOf(sorted(STATUSES)))
    commune_insee = fields.String(
        allow_none=True,
        validate=validate.Regexp(
            r"^(\d{5}|2[AB]\d{3})$",
            error="Code commune INSEE : 5 caractères, par exemple 01001 ou 2A004.",
        ),
    )
    density_class = fields.Integer(allow_none=True, validate=validate.Range(min=1, max=3))
    consent = fields.Boolean(load_default=False)


class ReportSchema(Schema):
    reason = fields.String(required=True, validate=validate.OneOf(["lost", "stolen"]))


class FollowUpInSchema(Schema):
    """The follow-up answer: "has the person done the procedure alone since?" on the
    national autonomy scale's terms (``non_communique``: not asked), dated in Paris."""

    answer = fields.String(required=True, validate=validate.OneOf(sorted(FOLLOW_UP)))
    observed_on = fields.Date(required=True)
    moment = fields.String(load_default="apres", validate=validate.OneOf(["apres", "avant"]))


class FollowUpSchema(Schema):
    id = fields.Integer(required=True)
    serial = fields.Integer(required=True)
    answer = fields.String(required=True)
    moment = fields.String(required=True)
    observed_on = fields.Date(required=True)
