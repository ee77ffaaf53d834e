"""Programmes, for the funder and finance keys of the organisations that fund them."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask_smorest import Blueprint

from schemas.api.common import PageArgsSchema
from schemas.api.reference import ProgrammePageSchema, ProgrammeSchema
from voucher.db.models import Programme
from voucher.services.access import api_reads
from voucher.web.api import replies, security
from voucher.web.db import db

blp = Blueprint("api_programmes", __name__, url_prefix="/api/v1", description="Dispositifs")
PROGRAMME = ProgrammeSchema()
_COLUMNS = (
    "id",
    "name",
    "face_value_cents",
    "vouchers_per_book",
    "valid_from",
    "valid_until",
    "grace_days",
    "cancel_window_minutes",
    "handout_policy",
    "status",
)


def view(p: Programme) -> dict[str, Any]:
    return PROGRAMME.dump(
        {**{c: getattr(p, c) for c in _COLUMNS}, "funders": api_reads.funders_of(db(), p.id)}
    )


@blp.route("/programmes", methods=["GET"])
@security.key_required("funder", "finance")
@blp.doc(summary="Les dispositifs financés par l'organisation de la clé")
@blp.arguments(PageArgsSchema, location="query")
@blp.response(200, ProgrammePageSchema)
def list_programmes(args: dict[str, Any]) -> Response:
    viewer = api_reads.viewer_for(db(), security.actor())
    return replies.page(api_reads.programmes(db(), viewer, args["page"], args["page_size"]), view)


@blp.route("/programmes/<int(min=1, max=9007199254740991):programme_id>", methods=["GET"])
@security.key_required("funder", "finance")
@blp.doc(summary="Un dispositif")
@blp.response(200, ProgrammeSchema)
def get_programme(programme_id: int) -> Response:
    viewer = api_reads.viewer_for(db(), security.actor())
    return replies.ok(view(api_reads.programme(db(), viewer, programme_id)))
