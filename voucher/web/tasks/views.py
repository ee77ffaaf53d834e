"""``/taches/<id>``: a job's state and progress (docs/jobs.md), for the organisation that
asked for it (any other: 404). While the job runs, the page reloads itself every few
seconds (a ``<meta http-equiv="refresh">``: no script, the CSP forbids inline ones); once
done, it links to what the job produced."""

from __future__ import annotations

from flask import Blueprint, Flask, abort, render_template, url_for

from voucher.db.models import Job
from voucher.domain.errors import MESSAGES
from voucher.domain.mail import JOB_NAMES
from voucher.services.jobs import jobs, queue
from voucher.web.auth import current_org_id, role_required
from voucher.web.db import db

bp = Blueprint("tasks", __name__, url_prefix="/taches")
ROLES = ("funder", "finance", "admin", "prescriber")
KINDS_FR = JOB_NAMES


def result_link(job: Job) -> str | None:
    if job.state == jobs.DONE and job.result and "batch_id" in job.result:
        return url_for("funder.batch", batch_id=int(job.result["batch_id"]))
    return None


@bp.get("/<int:job_id>")
@role_required(*ROLES)
def job(job_id: int) -> str:
    found = db().get(Job, job_id)
    if found is None or found.organisation_id != current_org_id():
        abort(404)
    done, total = found.progress_done, found.progress_total
    if found.state in (jobs.QUEUED, jobs.RUNNING):
        done, total = queue.tracker().get(found.id) or (done, total)
    return render_template(
        "tasks/job.html",
        job=found,
        kind=KINDS_FR.get(found.kind, found.kind),
        done=done,
        total=total,
        finished=found.state in (jobs.DONE, jobs.FAILED),
        link=result_link(found),
        message=MESSAGES.get(found.error_code or "", ""),
    )


def register(app: Flask) -> None:
    app.register_blueprint(bp)
