"""Batches: issue (funder), read, activate (funder), acknowledge (prescriber), export the
codes (funder).

Rules kept: a funder key acts only on programmes its organisation funds, a prescriber key
only on batches addressed to it; anything else is 404. Issuing accepts an optional
``Idempotency-Key`` (a lost answer must never issue a second batch). The codes export is a
CSV streamed row by row (``serial,position,code,state``), for the funder only.

``GET /batches/{id}/print.pdf`` is the production print file (the printing service:
only once the proof is approved; a ZIP of PDFs for large batches). Producing it records the
file's SHA-256 and an audit event: that record is committed before the first byte is sent
(the one GET of the API that writes, as the issue's interface asks; the funder's desk uses
a POST for the same download).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

from flask import Response, current_app, stream_with_context
from flask_smorest import Blueprint

from schemas.api.common import SyncArgsSchema
from schemas.api.issuance import BatchInSchema, BatchPageSchema, BatchSchema
from schemas.api.jobs import JobSchema
from schemas.api.scans import OptionalIdempotencyHeaderSchema
from voucher.domain.errors import DomainError
from voucher.services.access import api_reads
from voucher.services.issuance import batches
from voucher.services.jobs import jobs, kinds, queue
from voucher.web.api import idempotency, replies, security
from voucher.web.api import jobs as job_views
from voucher.web.db import after_commit, db, records, writes
from voucher.web.funder import printing

blp = Blueprint("api_batches", __name__, url_prefix="/api/v1", description="Lots de carnets")
BATCH = BatchSchema()


def _viewer() -> api_reads.Viewer:
    return api_reads.viewer_for(db(), security.actor())


@blp.route("/batches", methods=["POST"])
@writes(keep_on_refusal=True)
@security.key_required("funder")
@blp.doc(
    summary="Émettre un lot de carnets pour un prescripteur (clé funder ; Idempotency-Key conseillé)"
)
@blp.arguments(OptionalIdempotencyHeaderSchema, location="headers")
@blp.arguments(BatchInSchema)
@blp.response(201, BatchSchema)
@blp.alt_response(202, schema=JobSchema, description="Lot important : émis par une tâche")
def issue(headers: dict[str, Any], body: dict[str, Any]) -> Response:
    actor, session = security.actor(), db()
    if body["books"] >= current_app.config["ASYNC_BATCH_BOOKS"]:
        return _issue_as_job(headers.get("idempotency_key"), body)

    def work() -> tuple[int, dict[str, Any]]:
        api_reads.programme(session, _viewer(), body["programme_id"])
        batch = batches.issue_batch(
            session,
            actor,
            programme_id=body["programme_id"],
            prescriber_id=body["prescriber_id"],
            books=body["books"],
        )
        return 201, BATCH.dump(batch)

    return idempotency.optional(actor, "batch.issue", headers.get("idempotency_key"), work)


def _issue_as_job(key: str | None, body: dict[str, Any]) -> Response:
    """A large batch is issued by a job: ``202`` + the job; the same key answers the same job."""
    actor, session = security.actor(), db()
    api_reads.programme(session, _viewer(), body["programme_id"])
    params = {k: body[k] for k in ("programme_id", "prescriber_id", "books")}
    job, created = jobs.enqueue(session, actor, kinds.BATCH_ISSUE, params, key, total=body["books"])
    if not created and {k: job.params.get(k) for k in params} != params:
        raise DomainError("idempotency_key_reused")
    if created:
        job_id = job.id
        after_commit(lambda: queue.send(job_id))
    return job_views.accepted(job)


@blp.route("/batches", methods=["GET"])
@security.key_required("funder", "finance", "prescriber")
@blp.doc(summary="Les lots visibles par la clé")
@blp.arguments(SyncArgsSchema, location="query")
@blp.response(200, BatchPageSchema)
def list_batches(args: dict[str, Any]) -> Response:
    walk = api_reads.walk(args.get("cursor"), since=args.get("updated_since"))
    return replies.sync(
        api_reads.sync_batches(db(), _viewer(), walk, args["page_size"]), BATCH.dump
    )


@blp.route("/batches/<int(min=1, max=9007199254740991):batch_id>", methods=["GET"])
@security.key_required("funder", "finance", "prescriber")
@blp.doc(summary="Un lot")
@blp.response(200, BatchSchema)
def get_batch(batch_id: int) -> Response:
    return replies.ok(BATCH.dump(api_reads.batch(db(), _viewer(), batch_id)))


@blp.route("/batches/<int(min=1, max=9007199254740991):batch_id>/activate", methods=["POST"])
@writes(keep_on_refusal=True)
@security.key_required("funder")
@blp.doc(summary="Activer un lot dont les fonds sont reçus (clé funder)")
@blp.arguments(OptionalIdempotencyHeaderSchema, location="headers")
@blp.response(200, BatchSchema)
def activate(headers: dict[str, Any], batch_id: int) -> Response:
    def work() -> tuple[int, dict[str, Any]]:
        api_reads.batch(db(), _viewer(), batch_id)
        return 200, BATCH.dump(batches.activate_batch(db(), security.actor(), batch_id))

    key = headers.get("idempotency_key")
    return idempotency.optional(security.actor(), "batch.activate", key, work)


@blp.route("/batches/<int(min=1, max=9007199254740991):batch_id>/acknowledge", methods=["POST"])
@writes(keep_on_refusal=True)
@security.key_required("prescriber")
@blp.doc(summary="Confirmer la réception des carnets d'un lot (clé prescriber)")
@blp.arguments(OptionalIdempotencyHeaderSchema, location="headers")
@blp.response(200, BatchSchema)
def acknowledge(headers: dict[str, Any], batch_id: int) -> Response:
    actor = security.actor()

    def work() -> tuple[int, dict[str, Any]]:
        api_reads.batch(db(), _viewer(), batch_id)
        org = int(actor.organisation_id or 0)
        return 200, BATCH.dump(batches.acknowledge_batch(db(), actor, batch_id, org))

    key = headers.get("idempotency_key")
    return idempotency.optional(actor, "batch.acknowledge", key, work)


@blp.route("/batches/<int(min=1, max=9007199254740991):batch_id>/codes.csv", methods=["GET"])
@security.key_required("funder")
@blp.doc(summary="Les codes des chèques d'un lot, en CSV (clé funder)")
@blp.response(200, content_type="text/csv")
def codes_csv(batch_id: int) -> Response:
    rows = api_reads.batch_codes(db(), _viewer(), batch_id)
    return Response(
        stream_with_context(_csv(rows)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="lot-{batch_id}-codes.csv"'},
    )


def _csv(rows: Any) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("serial", "position", "code", "state"))
    for row in rows:
        writer.writerow(tuple(row))
        if buffer.tell() > 64_000:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


@blp.route("/batches/<int(min=1, max=9007199254740991):batch_id>/print.pdf", methods=["GET"])
@records("the production file's download")
@security.key_required("funder")
@blp.doc(summary="Le fichier d'impression de production du lot (BAT validé ; clé funder)")
@blp.response(200, content_type="application/pdf")
def print_file(batch_id: int) -> Response:
    api_reads.batch(db(), _viewer(), batch_id)
    download = printing.production(db(), security.actor(), batch_id)
    return Response(
        _chunks(download.body),
        mimetype=download.mimetype,
        headers={"Content-Disposition": f'attachment; filename="{download.filename}"'},
    )


@blp.route("/batches/<int(min=1, max=9007199254740991):batch_id>/print-jobs", methods=["POST"])
@writes
@security.key_required("funder")
@blp.doc(summary="Produire le fichier d'impression du lot par une tâche (202 ; clé funder)")
@blp.arguments(OptionalIdempotencyHeaderSchema, location="headers")
@blp.response(202, JobSchema)
def print_job(headers: dict[str, Any], batch_id: int) -> Response:
    """The production file of any size, made by a job: ``202`` + the job; once done, its
    ``result_url`` is the file (``/api/v1/jobs/<id>/file``). The same key: the same job."""
    actor, session = security.actor(), db()
    api_reads.batch(session, _viewer(), batch_id)
    printing.check_production(session, actor, batch_id)  # refusals answered now
    key = headers.get("idempotency_key")
    job, created = jobs.enqueue(session, actor, kinds.PRINT_PRODUCTION, {"batch_id": batch_id}, key)
    if not created and job.params.get("batch_id") != batch_id:
        raise DomainError("idempotency_key_reused")
    if created:
        job_id = job.id
        after_commit(lambda: queue.send(job_id))
    return job_views.accepted(job)


def _chunks(body: Any) -> Iterator[bytes]:
    try:
        while chunk := body.read(64 * 1024):
            yield chunk
    finally:
        body.close()
