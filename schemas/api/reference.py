"""Programmes, structures, holds and the ledger check, as the API shows them."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from schemas.api.common import RefSchema, SyncArgsSchema, page_of, sync_page_of


class FunderShareSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    share_bp = fields.Integer(
        required=True, metadata={"description": "part en points de base (5000 = 50 %)"}
    )


class ProgrammeSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    face_value_cents = fields.Integer(required=True)
    vouchers_per_book = fields.Integer(required=True)
    valid_from = fields.Date(required=True)
    valid_until = fields.Date(required=True)
    grace_days = fields.Integer(required=True)
    cancel_window_minutes = fields.Integer(required=True)
    handout_policy = fields.String(required=True)
    status = fields.String(required=True)
    funders = fields.List(fields.Nested(FunderShareSchema), required=True)


ProgrammePageSchema = page_of(ProgrammeSchema, "ProgrammePageSchema")


class LabelSchema(Schema):
    name = fields.String(required=True)
    valid_from = fields.Date(required=True)
    valid_until = fields.Date(required=True, allow_none=True)


class StructureSchema(Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    siret = fields.String(required=True, allow_none=True)
    postcode = fields.String(required=True, allow_none=True)
    town = fields.String(required=True, allow_none=True)
    commune_insee = fields.String(required=True, allow_none=True)
    zone_kind = fields.String(required=True, allow_none=True)
    labels = fields.List(fields.Nested(LabelSchema), required=True)


StructurePageSchema = page_of(StructureSchema, "StructurePageSchema")


class HoldSchema(Schema):
    id = fields.Integer(required=True)
    status = fields.String(required=True)
    rule = fields.String(required=True)
    evidence = fields.Dict(required=True)
    created_at = fields.AwareDateTime(required=True)
    programme = fields.Nested(RefSchema, required=True)
    structure = fields.Nested(RefSchema, required=True)
    redemption_id = fields.Integer(required=True)
    scanned_at = fields.AwareDateTime(required=True)
    face_value_cents = fields.Integer(required=True)
    book_serial = fields.Integer(required=True)
    position = fields.Integer(required=True)
    decided_at = fields.AwareDateTime(required=True, allow_none=True)
    note = fields.String(required=True, allow_none=True)


class HoldListArgsSchema(SyncArgsSchema):
    status = fields.String(
        load_default="open",
        validate=validate.OneOf(["open", "released", "rejected", "cancelled", "all"]),
        metadata={"description": "« all » : toutes, pour synchroniser"},
    )


HoldPageSchema = sync_page_of(HoldSchema, "HoldPageSchema")


class AuditProblemSchema(Schema):
    check = fields.String(required=True)
    message = fields.String(required=True)
    entry_id = fields.Integer(allow_none=True)
    account = fields.String(allow_none=True)


class AuditReportSchema(Schema):
    ok = fields.Boolean(required=True)
    entries = fields.Integer(required=True)
    postings = fields.Integer(required=True)
    accounts = fields.Integer(required=True)
    sealed_entries = fields.Integer(required=True)
    problems = fields.List(fields.Nested(AuditProblemSchema), required=True)


class DisputeSchema(Schema):
    """An offline acceptance the server refused, kept for review (docs/api.md, "Litiges")."""

    id = fields.Integer(required=True)
    status = fields.String(required=True, validate=validate.OneOf(["open", "released", "rejected"]))
    reason = fields.String(required=True, metadata={"description": "code du refus à l'envoi"})
    scan_id = fields.String(required=True)
    code_tail = fields.String(
        required=True, allow_none=True, metadata={"description": "4 derniers chiffres du code"}
    )
    structure_id = fields.Integer(required=True)
    programme_id = fields.Integer(
        required=True, allow_none=True, metadata={"description": "null : code inconnu"}
    )
    face_value_cents = fields.Integer(required=True, allow_none=True)
    scanned_at = fields.AwareDateTime(required=True, allow_none=True)
    created_at = fields.AwareDateTime(required=True)
    decided_at = fields.AwareDateTime(required=True, allow_none=True)
    redemption_id = fields.Integer(
        required=True,
        allow_none=True,
        metadata={"description": "l'encaissement payé quand le litige est libéré"},
    )
    note = fields.String(required=True, allow_none=True)


class DisputeListArgsSchema(SyncArgsSchema):
    status = fields.String(
        load_default="all",
        validate=validate.OneOf(["open", "released", "rejected", "all"]),
        metadata={"description": "« all » (par défaut) : tous, pour synchroniser"},
    )


DisputePageSchema = sync_page_of(DisputeSchema, "DisputePageSchema")


class StatementSchema(Schema):
    """A structure's reimbursement statement (its lines are in its PDF, on the web)."""

    id = fields.Integer(required=True)
    number = fields.String(required=True, metadata={"description": "numéro sans trou, AAAA-NNNNNN"})
    period = fields.String(required=True, metadata={"description": "mois, AAAA-MM (Europe/Paris)"})
    structure_id = fields.Integer(required=True)
    line_count = fields.Integer(required=True)
    total_cents = fields.Integer(required=True)
    status = fields.String(
        required=True, validate=validate.OneOf(["open", "in_payment", "paid", "rejected"])
    )
    created_at = fields.AwareDateTime(required=True)
    paid_at = fields.AwareDateTime(required=True, allow_none=True)


class StatementListArgsSchema(SyncArgsSchema):
    status = fields.String(validate=validate.OneOf(["open", "in_payment", "paid", "rejected"]))


StatementPageSchema = sync_page_of(StatementSchema, "StatementPageSchema")
