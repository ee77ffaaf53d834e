"""Scans through the API: one (``POST /redemptions``, with ``Idempotency-Key``), an offline
batch (``POST /redemptions/batch``), the list and one scan, and cancelling a scan.

Rules kept:

* only ``reception`` keys scan, always for their own structure (the key's organisation);
* a single scan needs an ``Idempotency-Key`` (the scanner's scan id, stored as the scan's
  ``scan_id``): see :mod:`voucher.web.api.idempotency`; a batch names each scan by its
  ``scan_id``: see :mod:`voucher.services.redemption.offline`;
* both go through the one scan use case (:mod:`voucher.services.redemption.scan`: code
  guessing checked first, 429 ``too_many_attempts`` / ``locked`` never stored; refusals
  logged by its one rule) and only map its outcome to problem+json or a batch item;
* cancelling: a reception key undoes its own scans within the programme's window; a
  ``finance`` key undoes any scan of its programmes not yet in a statement.
"""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_smorest import Blueprint

from schemas.api.scans import (
    BatchResultSchema,
    BatchScansSchema,
    IdempotencyHeaderSchema,
    OptionalIdempotencyHeaderSchema,
    RedemptionSchema,
    ScanListArgsSchema,
    ScanPageSchema,
    ScanRowSchema,
    ScanSchema,
)
from voucher.domain.errors import DomainError
from voucher.domain.idempotency import fingerprint
from voucher.services.access import api_reads
from voucher.services.redemption import cancel as cancelling
from voucher.services.redemption import offline as offline_scans
from voucher.services.redemption import scan as scanning
from voucher.web import hygiene
from voucher.web.api import idempotency, offline, replies, scan_views, security
from voucher.web.db import db, writes

blp = Blueprint(
    "api_redemptions",
    __name__,
    url_prefix="/api/v1",
    description="Encaissements : scans, lots hors ligne, annulations",
)
ROW = ScanRowSchema()
#: the single scan's schemas, built once (a class would be instantiated on every request)
SCAN_HEADERS, SCAN = IdempotencyHeaderSchema(), ScanSchema()


def row_view(found: Any) -> dict[str, Any]:
    red, code, serial, position = found
    return ROW.dump(
        {
            **{
                c: getattr(red, c)
                for c in (
                    "id",
                    "status",
                    "structure_id",
                    "programme_id",
                    "face_value_cents",
                    "scan_id",
                    "scanned_at",
                    "recorded_at",
                    "theme",
                    "autonomy",
                    "cancelled_at",
                )
            },
            "code": code,
            "book_serial": serial,
            "position": position,
        }
    )


@blp.route("/redemptions", methods=["POST"])
@writes(keep_on_refusal=True)
@security.per_key("API_REDEEM_LIMIT")
@security.per_address()
@security.key_required("reception")
@blp.doc(summary="Encaisser un chèque (clé reception ; en-tête Idempotency-Key obligatoire)")
@blp.arguments(SCAN_HEADERS, location="headers")
@blp.arguments(SCAN)
@blp.response(201, RedemptionSchema)
def redeem_one(headers: dict[str, Any], scan: dict[str, Any]) -> Response:
    actor, key = security.actor(), headers["idempotency_key"]
    scanned = scan_views.scan_of(scan, int(actor.organisation_id or 0), key)

    def work() -> tuple[int, dict[str, Any]]:
        # no savepoint: a refusal is raised, the transaction rolled back, the key claimed
        # again, and then the refusal is logged and stored (refused)
        outcome = scanning.scan(db(), actor, scanned, savepoint=False)
        if outcome.refusal is not None:
            raise outcome.refusal  # a throttled scan's answer is never stored
        return scan_views.reply(scanned, outcome)

    def refused(err: DomainError) -> tuple[int, dict[str, Any]]:
        return scan_views.reply(scanned, scanning.refused(db(), actor, scanned, err))

    return idempotency.run(
        actor, offline_scans.SCOPE, key, fingerprint(request.get_json()), work, refused
    )


@blp.route("/redemptions/batch", methods=["POST"])
@hygiene.itemised("scans")
@writes
@security.per_key("API_BATCH_LIMIT")
@security.per_address()
@security.key_required("reception")
@blp.doc(
    summary="Envoyer jusqu'à 1 000 scans faits hors ligne, chacun avec son scan_id (clé reception)"
)
@blp.arguments(BatchScansSchema)
@blp.response(200, BatchResultSchema)
def redeem_batch(body: dict[str, Any]) -> Response:
    actor = security.actor()
    results = offline.answer_all(
        body["scans"],
        request.get_json()["scans"],
        int(actor.organisation_id or 0),
        lambda sent: offline_scans.process(db(), actor, sent, scan_views.stored),
    )
    return replies.ok(offline.summary(results))


@blp.route("/redemptions", methods=["GET"])
@security.key_required("reception", "funder", "finance")
@blp.doc(summary="Les scans visibles par la clé (son lieu, ou ses dispositifs), par curseur")
@blp.arguments(ScanListArgsSchema, location="query")
@blp.response(200, ScanPageSchema)
def list_scans(args: dict[str, Any]) -> Response:
    viewer = api_reads.viewer_for(db(), security.actor())
    walk = api_reads.walk(
        args.get("cursor"), since=args.get("updated_since"), status=args.get("status")
    )
    return replies.sync(api_reads.sync_scans(db(), viewer, walk, args["page_size"]), row_view)


@blp.route("/redemptions/<int(min=1, max=9007199254740991):redemption_id>", methods=["GET"])
@security.key_required("reception", "funder", "finance")
@blp.doc(summary="Un scan")
@blp.response(200, ScanRowSchema)
def get_scan(redemption_id: int) -> Response:
    viewer = api_reads.viewer_for(db(), security.actor())
    return replies.ok(row_view(api_reads.scan(db(), viewer, redemption_id)))


@blp.route("/redemptions/<int(min=1, max=9007199254740991):redemption_id>/cancel", methods=["POST"])
@writes(keep_on_refusal=True)
@security.key_required("reception", "finance")
@blp.doc(
    summary="Annuler un scan (reception : ses propres scans dans le délai ; finance : avant paiement)"
)
@blp.arguments(OptionalIdempotencyHeaderSchema, location="headers")
@blp.response(200, ScanRowSchema)
def cancel(headers: dict[str, Any], redemption_id: int) -> Response:
    actor, session = security.actor(), db()

    def work() -> tuple[int, dict[str, Any]]:
        viewer = api_reads.viewer_for(session, actor)
        api_reads.scan(session, viewer, redemption_id)
        as_finance = actor.role == "finance"
        cancelling.cancel(
            session,
            actor,
            redemption_id,
            structure_id=None if as_finance else actor.organisation_id,
            as_finance=as_finance,
        )
        session.flush()
        session.expire_all()
        return 200, row_view(api_reads.scan(session, viewer, redemption_id))

    key = headers.get("idempotency_key")
    return idempotency.optional(actor, "redemption.cancel", key, work)
