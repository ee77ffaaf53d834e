"""Statements, read-only: a structure's reception keys see its own; funder and finance keys
those whose every programme is theirs. Month close and payment runs are people's work."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_smorest import Blueprint

from schemas.api.reference import StatementListArgsSchema, StatementPageSchema, StatementSchema
from voucher.db.models import Statement
from voucher.services.access import api_reads, api_sync
from voucher.web.api import replies, security
from voucher.web.db import db

blp = Blueprint(
    "api_statements", __name__, url_prefix="/api/v1", description="Relevés de remboursement"
)
STATEMENT = StatementSchema()
FIELDS = tuple(STATEMENT.fields)


def view(st: Statement) -> dict[str, Any]:
    return STATEMENT.dump({name: getattr(st, name) for name in FIELDS})


@blp.route("/statements", methods=["GET"])
@security.key_required("reception", "funder", "finance")
@blp.doc(summary="Les relevés visibles par la clé, par curseur")
@blp.arguments(StatementListArgsSchema, location="query")
@blp.response(200, StatementPageSchema)
def list_statements(args: dict[str, Any]) -> Response:
    viewer = api_reads.viewer_for(db(), security.actor())
    walk = api_reads.walk(
        args.get("cursor"), since=args.get("updated_since"), status=args.get("status")
    )
    return replies.sync(api_sync.sync_statements(db(), viewer, walk, args["page_size"]), view)


@blp.route("/statements/<int(min=1, max=9007199254740991):statement_id>", methods=["GET"])
@security.key_required("reception", "funder", "finance")
@blp.doc(summary="Un relevé")
@blp.response(200, StatementSchema)
def get_statement(statement_id: int) -> Response:
    viewer = api_reads.viewer_for(db(), security.actor())
    return replies.ok(view(api_sync.statement(db(), viewer, statement_id)))
