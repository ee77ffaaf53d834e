"""Jobs: enqueue, read, and run once (the worker's side is :mod:`.worker`).

Rules kept:

* ``enqueue`` with the same ``idempotency_key`` (same requester, same kind) answers the job
  already recorded, never a second one;
* a job's work and its ``done`` state are written in one transaction: a job is done once,
  or not at all; a job already done is never run again. A kind with a stage (a large batch
  issued chunk by chunk, :func:`staged`) commits its chunks first, each resumable and
  written once, then its last step with the ``done`` state;
* progress is kept outside the work's transaction (in the queue's storage), so a page can
  show it while the work is still uncommitted.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from voucher.db.models import Job
from voucher.domain.calendar import utcnow
from voucher.domain.errors import DomainError
from voucher.services.context import Actor
from voucher.services.webhooks import events

LOG = logging.getLogger(__name__)
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
#: progress of a running job: ``progress(done)`` or ``progress(done, total)``, written at once
Progress = Callable[..., None]
#: a kind's work: (session, actor, params, progress) -> result (JSON)
Runner = Callable[[Session, Actor, dict[str, Any], Progress], dict[str, Any]]
KINDS: dict[str, Runner] = {}
#: work a kind does before its last transaction, in short transactions of its own, each
#: committed (resumable where it stopped): (engine, job_id, actor, params, progress) -> None
Stage = Callable[[Engine, int, Actor, dict[str, Any], Progress], None]
STAGES: dict[str, Stage] = {}
#: work a kind does before its last transaction in a transaction that only reads (on
#: SQLite a plain ``BEGIN``: desks keep writing while a print file or an export is
#: produced): (session, actor, params, progress) -> what it read, which reaches the kind's
#: runner as ``params["read"]`` (in memory, never stored) for it to check and record
Reader = Callable[[Session, Actor, dict[str, Any], Progress], Any]
READERS: dict[str, Reader] = {}
#: called once a job is finished (``done`` or ``failed``, committed): ``fn(job_id, state)``
FINISHED: list[Callable[[int, str], None]] = []


def kind(name: str) -> Callable[[Runner], Runner]:
    """Register the work of a kind of job."""

    def register(fn: Runner) -> Runner:
        KINDS[name] = fn
        return fn

    return register


def staged(name: str) -> Callable[[Stage], Stage]:
    """Register the work a kind does in chunks before its last transaction (the worker runs
    it first, then the kind's runner with the ``done`` state in one transaction)."""

    def register(fn: Stage) -> Stage:
        STAGES[name] = fn
        return fn

    return register


def reading(name: str) -> Callable[[Reader], Reader]:
    """Register the part of a kind's work that only reads (the worker runs it in a
    read-only transaction first, then the kind's runner with the ``done`` state)."""

    def register(fn: Reader) -> Reader:
        READERS[name] = fn
        return fn

    return register


def on_finished(fn: Callable[[int, str], None]) -> Callable[[int, str], None]:
    """The one "job finished" hook point: register ``fn(job_id, state)``, called by the
    worker after a job's ``done`` or ``failed`` state is committed (a mail, a webhook...).
    A hook that raises is logged and never changes the job."""
    FINISHED.append(fn)
    return fn


def finished(job_id: int, state: str) -> None:
    for fn in list(FINISHED):
        try:
            fn(job_id, state)
        except Exception:  # a hook never undoes a committed job
            LOG.exception("job %s: finished hook %r failed", job_id, fn)


def requester(actor: Actor) -> str:
    if actor.api_key_id is not None:
        return f"key:{actor.api_key_id}"
    if actor.user_id is not None:
        return f"user:{actor.user_id}"
    return actor.label[:60]


def enqueue(
    session: Session,
    actor: Actor,
    kind_name: str,
    params: dict[str, Any],
    idempotency_key: str | None = None,
    *,
    total: int = 0,
) -> tuple[Job, bool]:
    """Record a job (flushed, not committed); ``(job, created)``. The caller sends it to the
    queue once committed (:func:`voucher.services.jobs.queue.send`)."""
    if kind_name not in KINDS:
        raise ValueError(f"unknown job kind {kind_name!r}")
    who = requester(actor)
    if idempotency_key:
        found = session.scalar(
            select(Job).where(
                Job.created_by == who, Job.kind == kind_name, Job.idempotency_key == idempotency_key
            )
        )
        if found is not None:
            return found, False
    job = Job(
        kind=kind_name,
        state=QUEUED,
        params={**params, "actor": _actor_fields(actor)},
        progress_done=0,
        progress_total=total,
        idempotency_key=idempotency_key,
        created_by=who,
        organisation_id=actor.organisation_id,
        created_at=utcnow(),
        attempts=0,
    )
    session.add(job)
    session.flush()
    return job, True


def announce(session: Session, job: Job) -> None:
    """Queue ``job.finished`` for the job's organisation in the caller's transaction (the one
    that records the job's end: rolled back, it announces nothing)."""
    if job.organisation_id is None:
        return
    data = {
        "job_id": job.id,
        "kind": job.kind,
        "state": job.state,
        "result": job.result,
        "error_code": job.error_code,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }
    events.emit(session, "job.finished", data, [job.organisation_id])


def get(session: Session, job_id: int) -> Job:
    job = session.get(Job, job_id)
    if job is None:
        raise DomainError("not_found")
    return job


def unfinished_ids(session: Session) -> list[int]:
    rows = session.scalars(select(Job.id).where(Job.state.in_((QUEUED, RUNNING))).order_by(Job.id))
    return list(rows)


def _actor_fields(actor: Actor) -> dict[str, Any]:
    return {
        "label": actor.label,
        "user_id": actor.user_id,
        "api_key_id": actor.api_key_id,
        "organisation_id": actor.organisation_id,
        "role": actor.role,
    }


def actor_of(job: Job) -> Actor:
    fields = dict(job.params.get("actor") or {})
    return Actor(
        label=str(fields.get("label") or "tâche"),
        user_id=fields.get("user_id"),
        api_key_id=fields.get("api_key_id"),
        organisation_id=fields.get("organisation_id"),
        role=fields.get("role"),
    )
