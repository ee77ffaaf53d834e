"""Holds (scans parked for review), read-only: funder and finance keys of the programme's
funders. Deciding a hold is a person's job (four-eyes rule), never a key's."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_smorest import Blueprint

from schemas.api.reference import HoldListArgsSchema, HoldPageSchema, HoldSchema
from voucher.services.access import api_reads
from voucher.services.redemption import review
from voucher.services.redemption.review import HoldRow
from voucher.web.api import replies, security
from voucher.web.db import db

blp = Blueprint(
    "api_holds", __name__, url_prefix="/api/v1", description="Vérifications (passages en attente)"
)
HOLD = HoldSchema()
#: evidence keys that would point at a person
PRIVATE_EVIDENCE = ("beneficiary_id",)


def view(h: HoldRow) -> dict[str, Any]:
    return HOLD.dump(
        {
            "id": h.id,
            "status": h.status,
            "rule": h.rule,
            "created_at": h.created_at,
            "evidence": {k: v for k, v in h.evidence.items() if k not in PRIVATE_EVIDENCE},
            "programme": {"id": h.programme_id, "name": h.programme_name},
            "structure": {"id": h.structure_id, "name": h.structure_name},
            "redemption_id": h.redemption_id,
            "scanned_at": h.scanned_at,
            "face_value_cents": h.face_value_cents,
            "book_serial": h.book_serial,
            "position": h.position,
            "decided_at": h.decided_at,
            "note": h.note,
        }
    )


@blp.route("/holds", methods=["GET"])
@security.key_required("funder", "finance")
@blp.doc(summary="Les passages en attente de vérification (ou tranchés) des dispositifs de la clé")
@blp.arguments(HoldListArgsSchema, location="query")
@blp.response(200, HoldPageSchema)
def list_holds(args: dict[str, Any]) -> Response:
    viewer = api_reads.viewer_for(db(), security.actor())
    status = None if args["status"] == "all" else args["status"]
    walk = api_reads.walk(args.get("cursor"), since=args.get("updated_since"), status=status)
    size = max(1, min(args["page_size"], api_reads.MAX_PAGE))
    rows = review.list_holds(
        db(),
        viewer.scope,
        status=walk.status,
        limit=size + 1,
        after_id=walk.after,
        changed_since=walk.since,
    )
    return replies.sync(api_reads.sync_page(rows, size, walk, lambda h: h.id), view)


@blp.route("/holds/<int(min=1, max=9007199254740991):hold_id>", methods=["GET"])
@security.key_required("funder", "finance")
@blp.doc(summary="Un passage en attente")
@blp.response(200, HoldSchema)
def get_hold(hold_id: int) -> Response:
    viewer = api_reads.viewer_for(db(), security.actor())
    return replies.ok(view(review.get_hold(db(), viewer.scope, hold_id)))
