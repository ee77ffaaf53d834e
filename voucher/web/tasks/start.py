"""Starting long work from a page: the page records a job, sends it to the queue once
committed, and sends the person to the job's page (``/taches/<id>``).

Rules kept: the form's ``job_token`` (a hidden field, new at each display of the form) is
the job's idempotency key: the same form posted twice (a double click, a resend after a
lost answer) answers the job already recorded, never a second one.

``INLINE_LONG_WORK`` (setting; the test suite's pages that check the work itself set it)
keeps the work inside the request, as the command line does.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import Flask, current_app, flash, redirect, request, url_for

from voucher.services.jobs import jobs, queue
from voucher.web.auth import current_actor
from voucher.web.db import after_commit, db

FIELD = "job_token"


def inline() -> bool:
    return bool(current_app.config.get("INLINE_LONG_WORK"))


def new_token() -> str:
    return secrets.token_urlsafe(18)


def token() -> str | None:
    typed = (request.form.get(FIELD) or "").strip()
    return typed[:64] if typed else None


def start(kind: str, params: dict[str, Any], what: str, *, total: int = 0) -> Any:
    """Record the job (or find the one this form already started), 303 to its page."""
    job, created = jobs.enqueue(db(), current_actor(), kind, params, token(), total=total)
    job_id = job.id
    if created:
        after_commit(lambda: queue.send(job_id))
        flash(f"{what} : tâche n° {job_id} lancée.", "success")
    return redirect(url_for("tasks.job", job_id=job_id), code=303)


def register(app: Flask) -> None:
    app.jinja_env.globals.update(job_token=new_token)
