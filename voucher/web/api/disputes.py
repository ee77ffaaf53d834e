"""Offline disputes, read-only: a structure's reception keys see its own; funder and
finance keys those of their programmes (an unknown code's: the operator's finance only).
Deciding one is a person's job (``voucher disputes release|reject``), never a key's."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_smorest import Blueprint

from schemas.api.reference import DisputeListArgsSchema, DisputePageSchema, DisputeSchema
from voucher.db.models import OfflineDispute
from voucher.services.access import api_reads
from voucher.services.redemption import disputes
from voucher.web.api import replies, security
from voucher.web.db import db

blp = Blueprint(
    "api_disputes",
    __name__,
    url_prefix="/api/v1",
    description="Litiges : acceptations hors ligne refusées à l'envoi",
)
DISPUTE = DisputeSchema()
FIELDS = tuple(DISPUTE.fields)


def view(d: OfflineDispute) -> dict[str, Any]:
    return DISPUTE.dump({name: getattr(d, name) for name in FIELDS})


@blp.route("/disputes", methods=["GET"])
@security.key_required("reception", "funder", "finance")
@blp.doc(summary="Les litiges hors ligne visibles par la clé, par curseur")
@blp.arguments(DisputeListArgsSchema, location="query")
@blp.response(200, DisputePageSchema)
def list_disputes(args: dict[str, Any]) -> Response:
    viewer = api_reads.viewer_for(db(), security.actor())
    status = None if args["status"] == "all" else args["status"]
    walk = api_reads.walk(args.get("cursor"), since=args.get("updated_since"), status=status)
    size = max(1, min(args["page_size"], api_reads.MAX_PAGE))
    return replies.sync(disputes.sync_disputes(db(), viewer, walk, size), view)


@blp.route("/disputes/<int(min=1, max=9007199254740991):dispute_id>", methods=["GET"])
@security.key_required("reception", "funder", "finance")
@blp.doc(summary="Un litige hors ligne")
@blp.response(200, DisputeSchema)
def get_dispute(dispute_id: int) -> Response:
    viewer = api_reads.viewer_for(db(), security.actor())
    return replies.ok(view(disputes.get(db(), viewer, dispute_id)))
