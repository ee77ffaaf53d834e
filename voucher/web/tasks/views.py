"""``/taches/<id>``: a job's state and progress (docs/jobs.md), and once done its result
file (``/taches/<id>/fichier``), for the people of the organisation that asked for it
holding a role of the job's kind (anyone else: 404). While the job runs, the page reloads
itself every few seconds (a ``<meta http-equiv="refresh">``: no script, the CSP forbids
inline ones); once done, it links to what the job produced."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, Response, abort, render_template, request, url_for
from flask_login import current_user
from werkzeug.wsgi import wrap_file

from voucher.db.models import Job
from voucher.domain.errors import MESSAGES
from voucher.domain.mail import JOB_NAMES
from voucher.services.jobs import jobs, kinds, queue, results
from voucher.web.auth import role_required
from voucher.web.db import db
from voucher.web.tasks import start

bp = Blueprint("tasks", __name__, url_prefix="/taches")
#: who may follow a job of each kind (in the organisation that asked for it)
KIND_ROLES = {
    kinds.BATCH_ISSUE: ("funder",),
    kinds.PRINT_PRODUCTION: ("funder",),
    kinds.MONTH_CLOSE: ("finance",),
    kinds.PAYMENT_RUN: ("finance",),
    kinds.FEC_EXPORT: ("finance",),
    kinds.IMPACT_EXPORT: ("evaluator", "funder"),
}
ROLES = tuple(sorted({r for roles in KIND_ROLES.values() for r in roles}))
KINDS_FR = JOB_NAMES


def job_or_404(job_id: int) -> Job:
    found = db().get(Job, job_id)
    allowed = KIND_ROLES.get(found.kind, ()) if found is not None else ()
    if found is None or not any(
        org == found.organisation_id and role in allowed for org, role in current_user.grants
    ):
        abort(404)
    return found


def result_link(job: Job) -> str | None:
    result = job.result or {}
    if job.state != jobs.DONE:
        return None
    if "file" in result:
        return url_for("tasks.result_file", job_id=job.id)
    if "batch_id" in result:
        return url_for("funder.batch", batch_id=int(result["batch_id"]))
    if result.get("payment_run_id"):
        return url_for("finance.run_file", run_id=int(result["payment_run_id"]))
    if "period" in result:
        return url_for("finance.month", period=str(result["period"]))
    return None


def live_progress(job: Job) -> tuple[int, int]:
    done, total = job.progress_done, job.progress_total
    if job.state in (jobs.QUEUED, jobs.RUNNING):
        done, total = queue.tracker().get(job.id) or (done, total)
    return done, total


@bp.get("/<int:job_id>")
@role_required(*ROLES)
def job(job_id: int) -> str:
    found = job_or_404(job_id)
    done, total = live_progress(found)
    return render_template(
        "tasks/job.html",
        job=found,
        kind=KINDS_FR.get(found.kind, found.kind),
        done=done,
        total=total,
        finished=found.state in (jobs.DONE, jobs.FAILED),
        link=result_link(found),
        is_file="file" in (found.result or {}),
        message=MESSAGES.get(found.error_code or "", ""),
    )


@bp.get("/<int:job_id>/fichier")
@role_required(*ROLES)
def result_file(job_id: int) -> Any:
    found = job_or_404(job_id)
    path = results.path_of(found.id, found.result) if found.state == jobs.DONE else None
    if path is None or found.result is None:
        abort(404)
    return Response(
        wrap_file(request.environ, path.open("rb")),
        mimetype=str(found.result.get("media_type") or "application/octet-stream"),
        direct_passthrough=True,
        headers={
            "Content-Disposition": f'attachment; filename="{path.name}"',
            "Content-Length": str(path.stat().st_size),
            "Cache-Control": "no-store",
        },
    )


def register(app: Flask) -> None:
    app.register_blueprint(bp)
    start.register(app)
