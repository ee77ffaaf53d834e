"""The job worker's side: run one job once, and what a worker does when it starts.

A run, on its own engine (the worker is its own process):

1. the job is marked ``running`` (its own short transaction; ``attempts`` counted);
2. a kind with a stage (:func:`voucher.services.jobs.jobs.staged`: a large batch, issued
   chunk by chunk) runs it first, each chunk committed in its own transaction and written
   once, resumed where it stopped by the next run; a kind with a reader
   (:func:`voucher.services.jobs.jobs.reading`: a print file, an export) produces its file
   in a transaction that only reads (on SQLite it holds no write lock: desks keep
   scanning), and hands what it read to the last transaction, which checks and records it;
3. the work and the ``done`` state are written in one transaction, which first re-reads the
   job under a row lock: a job found ``done`` is left alone, so a job sent twice (a resend,
   a worker restarted while the first message was still queued) is done once;
4. a refusal (:class:`DomainError`) rolls the work back and records ``failed`` with its code;
5. ``job.finished`` is queued for the job's organisation in the transaction that records
   ``done`` or ``failed`` (the webhook outbox), and so is the mail to the person who started
   it: only an end that was committed is announced, once.
6. once ``done`` or ``failed`` is committed, the "job finished" hooks run
   (:func:`voucher.services.jobs.jobs.on_finished`).

Progress is written to the queue's storage as the work goes (each chunk of books, each
step of a close, each book printed), so the job's page shows it moving.

A worker killed at any point leaves the job ``queued`` or ``running`` with none of its work
written but the chunks its stage committed; :func:`unfinished` lists those jobs for the
restarted worker to send again, which goes on from the last chunk committed.
"""

from __future__ import annotations

import threading
from datetime import date
from functools import cache

from sqlalchemy import Engine, select

from voucher import faults
from voucher.db.engine import database_url, make_engine, read_only, unit_of_work
from voucher.db.models import Job
from voucher.domain.calendar import paris_date, utcnow
from voucher.domain.errors import DomainError
from voucher.services.jobs import jobs, kinds  # noqa: F401  (importing kinds registers them)
from voucher.services.jobs.progress import Tracker
from voucher.services.mail import notify, outbox
from voucher.services.mail.settings import settings


@cache
def engine() -> Engine:
    return make_engine(database_url())


_RUNNING: set[int] = set()  # jobs this process is running now
_GUARD = threading.Lock()


def run(job_id: int, tracker: Tracker) -> str:
    """Run a job once; answer its state afterwards. A job this process is already running
    (sent again while it runs: a resend, the restart's list of unfinished jobs) is left to
    the thread running it; another process running it too writes each chunk once."""
    with _GUARD:
        if job_id in _RUNNING:
            return jobs.RUNNING
        _RUNNING.add(job_id)
    try:
        return _run(job_id, tracker)
    finally:
        with _GUARD:
            _RUNNING.discard(job_id)


def _run(job_id: int, tracker: Tracker) -> str:
    eng = engine()
    with unit_of_work(eng) as session:
        job = session.get(Job, job_id)
        if job is None:
            return "missing"
        if job.state in (jobs.DONE, jobs.FAILED):
            return job.state
        job.state, job.started_at = jobs.RUNNING, utcnow()
        job.attempts += 1
        kind_name, actor = job.kind, jobs.actor_of(job)
        staged = {k: v for k, v in job.params.items() if k != "actor"}
    totals, halfway = [job.progress_total], [False]

    def progress(done: int, total: int | None = None) -> None:
        if total is not None:
            totals[0] = int(total)
        tracker.set(job_id, int(done), totals[0])
        if not halfway[0] and 0 < done < totals[0]:
            halfway[0] = True  # the first progress short of the total
            faults.point("job.progress_written")

    try:
        stage = jobs.STAGES.get(kind_name)
        if stage is not None:  # its chunks, each committed, before the last transaction
            stage(eng, job_id, actor, {**staged, "job_id": job_id}, progress)
        reader, read = jobs.READERS.get(kind_name), None
        if reader is not None:  # its long reading, holding no write lock
            with read_only(eng) as session:
                read = reader(session, actor, {**staged, "job_id": job_id}, progress)
        with unit_of_work(eng) as session:
            job = session.scalars(select(Job).where(Job.id == job_id).with_for_update()).one()
            if job.state in (jobs.DONE, jobs.FAILED):
                return job.state
            params = {k: v for k, v in job.params.items() if k != "actor"}
            params["job_id"] = job_id
            if reader is not None:
                params["read"] = read
            result = jobs.KINDS[job.kind](session, jobs.actor_of(job), params, progress)
            faults.point("job.work_written")
            job.state, job.result, job.finished_at = jobs.DONE, result, utcnow()
            job.progress_total = max(totals[0], job.progress_total)
            job.progress_done = job.progress_total
            jobs.announce(session, job)
            notify.job_finished(session, _starter(job), job.id, job.kind, jobs.DONE)
        tracker.clear(job_id)
        jobs.finished(job_id, jobs.DONE)
        return jobs.DONE
    except DomainError as exc:
        with unit_of_work(eng) as session:
            failed = session.get(Job, job_id)
            if failed is not None and failed.state != jobs.DONE:
                failed.state, failed.error_code, failed.finished_at = (
                    jobs.FAILED,
                    exc.code,
                    utcnow(),
                )
                jobs.announce(session, failed)
                notify.job_finished(session, _starter(failed), job_id, failed.kind, jobs.FAILED)
        tracker.clear(job_id)
        jobs.finished(job_id, jobs.FAILED)
        return jobs.FAILED


def _starter(job: Job) -> int | None:
    return jobs.actor_of(job).user_id


def unfinished() -> list[int]:
    """Jobs queued or running with no worker alive to finish them (call at worker start)."""
    with unit_of_work(engine()) as session:
        return jobs.unfinished_ids(session)


def deliver_webhooks(limit: int = 100) -> int:
    """Try the webhook deliveries due (each taken, sent and recorded as
    :func:`voucher.services.webhooks.delivery.deliver_one` does); answer how many."""
    from voucher.services.webhooks import delivery

    return len(delivery.deliver_due(engine(), utcnow(), limit=limit))


def deliver_mail(limit: int = 100, eng: Engine | None = None) -> int:
    """Try the mails due (each taken, sent and recorded as
    :func:`voucher.services.mail.outbox.deliver_one` does); answer how many were tried."""
    return len(outbox.deliver_due(eng or engine(), utcnow(), settings(), limit))


def daily_mail(today: date | None = None, eng: Engine | None = None) -> int:
    """The daily reminders (labels lapsing, vouchers expiring), recorded then sent."""
    from voucher.services.organisations import label_reminders

    day = today or paris_date(utcnow())
    with unit_of_work(eng or engine()) as session:
        recorded = label_reminders.record_due(session, day)
        recorded += notify.expiry_soon(session, day)
    deliver_mail(eng=eng)
    return recorded


def daily_labels(day: date, eng: Engine | None = None) -> int:
    """The label renewal reminders due on ``day`` only, recorded then sent."""
    from voucher.services.organisations import label_reminders

    with unit_of_work(eng or engine()) as session:
        recorded = label_reminders.record_due(session, day)
    deliver_mail(eng=eng)
    return recorded
