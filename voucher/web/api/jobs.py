"""Jobs: the resource a ``202 Accepted`` points to (``Location: /api/v1/jobs/<id>``).

Rules kept: a job is visible to the organisation that asked for it only (anything else is
404); its progress is read from the queue while it runs; once done, ``result_url`` names
what it produced.
"""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_smorest import Blueprint
from werkzeug.wsgi import wrap_file

from schemas.api.jobs import JobSchema
from voucher.db.models import Job
from voucher.domain.errors import DomainError
from voucher.services.jobs import jobs, queue, results
from voucher.web.api import replies, security
from voucher.web.db import db

blp = Blueprint("api_jobs", __name__, url_prefix="/api/v1", description="Tâches longues")
JOB = JobSchema()
RESULT_URLS = {"batch_id": "/api/v1/batches/{}"}


def url(job: Job) -> str:
    return f"/api/v1/jobs/{job.id}"


def payload(job: Job) -> dict[str, Any]:
    done, total = job.progress_done, job.progress_total
    if job.state in (jobs.QUEUED, jobs.RUNNING):
        live = queue.tracker().get(job.id)
        if live is not None:
            done, total = live
    result_url = None
    for key, pattern in RESULT_URLS.items():
        if job.result and key in job.result:
            result_url = pattern.format(job.result[key])
    if job.result and "file" in job.result:
        result_url = f"{url(job)}/file"
    return JOB.dump(
        {
            "id": job.id,
            "kind": job.kind,
            "state": job.state,
            "progress": {"done": done, "total": total},
            "result": job.result,
            "result_url": result_url,
            "error_code": job.error_code,
            "created_at": job.created_at,
            "started_at": job.started_at,
            "finished_at": job.finished_at,
        }
    )


def accepted(job: Job) -> Response:
    """``202 Accepted`` with the job and its ``Location``."""
    response = replies.ok(payload(job), status=202)
    response.headers["Location"] = url(job)
    return response


def _own(job_id: int) -> Job:
    job = db().get(Job, job_id)
    actor = security.actor()
    if job is None or job.organisation_id != actor.organisation_id:
        raise DomainError("not_found")
    return job


@blp.route("/jobs/<int(min=1, max=9007199254740991):job_id>", methods=["GET"])
@security.key_required()
@blp.doc(summary="Une tâche longue : état, avancement, résultat")
@blp.response(200, JobSchema)
def get_job(job_id: int) -> Response:
    return replies.ok(payload(_own(job_id)))


@blp.route("/jobs/<int(min=1, max=9007199254740991):job_id>/file", methods=["GET"])
@security.key_required()
@blp.doc(summary="Le fichier produit par une tâche terminée")
@blp.response(200, content_type="application/octet-stream")
def get_job_file(job_id: int) -> Response:
    job = _own(job_id)
    path = results.path_of(job.id, job.result) if job.state == jobs.DONE else None
    if path is None or job.result is None:
        raise DomainError("not_found")
    return Response(
        wrap_file(request.environ, path.open("rb")),
        mimetype=str(job.result.get("media_type") or "application/octet-stream"),
        direct_passthrough=True,
        headers={
            "Content-Disposition": f'attachment; filename="{path.name}"',
            "Content-Length": str(path.stat().st_size),
            "Cache-Control": "no-store",
        },
    )
