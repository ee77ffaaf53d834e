"""Structures: the public directory of places that accept vouchers (name, town, commune,
labels). Any valid key reads it; bank details and contacts never appear here."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_smorest import Blueprint

from schemas.api.common import PageArgsSchema
from schemas.api.reference import StructurePageSchema, StructureSchema
from voucher.db.models import Label, Organisation
from voucher.services.access import api_reads
from voucher.web.api import replies, security
from voucher.web.db import db

blp = Blueprint(
    "api_structures", __name__, url_prefix="/api/v1", description="Lieux qui encaissent"
)
STRUCTURE = StructureSchema()
_COLUMNS = ("id", "name", "siret", "postcode", "town", "commune_insee", "zone_kind")


def view(org: Organisation, labels: list[Label]) -> dict[str, Any]:
    return STRUCTURE.dump(
        {
            **{c: getattr(org, c) for c in _COLUMNS},
            "labels": [
                {"name": lb.name, "valid_from": lb.valid_from, "valid_until": lb.valid_until}
                for lb in labels
            ],
        }
    )


@blp.route("/structures", methods=["GET"])
@security.key_required()
@blp.doc(summary="Les lieux qui encaissent les chèques")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, StructurePageSchema)
def list_structures(args: dict[str, Any]) -> Response:
    found = api_reads.structures(db(), args["page"], args["page_size"])
    labels = api_reads.labels_of(db(), [o.id for o in found.items])
    return replies.page(found, lambda o: view(o, labels[o.id]))


@blp.route("/structures/<int(min=1, max=9007199254740991):structure_id>", methods=["GET"])
@security.key_required()
@blp.doc(summary="Un lieu")
@blp.response(200, StructureSchema)
def get_structure(structure_id: int) -> Response:
    org = api_reads.structure(db(), structure_id)
    return replies.ok(view(org, api_reads.labels_of(db(), [org.id])[org.id]))
