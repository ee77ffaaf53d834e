"""Jobs: long work run off the request (``202 Accepted`` + this resource; docs/jobs.md)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

STATES = ("queued", "running", "done", "failed")


class JobProgressSchema(Schema):
    done = fields.Integer(required=True)
    total = fields.Integer(required=True)


class JobSchema(Schema):
    id = fields.Integer(required=True)
    kind = fields.String(required=True)
    state = fields.String(required=True, validate=validate.OneOf(STATES))
    progress = fields.Nested(JobProgressSchema, required=True)
    result = fields.Dict(allow_none=True, metadata={"description": "ce que la tâche a produit"})
    result_url = fields.String(
        allow_none=True, metadata={"description": "la ressource produite (lot émis...)"}
    )
    error_code = fields.String(allow_none=True, metadata={"description": "docs/error-codes.md"})
    created_at = fields.DateTime(required=True)
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
