"""The job queue: huey, with its SQLite storage next to the database by default and Redis
when ``VOUCHER_REDIS_URL`` is set (docs/jobs.md says why huey).

Tasks: ``run_job`` (one job, by id: :func:`voucher.services.jobs.worker.run`) and, every
minute, ``deliver_webhooks`` (the webhook outbox, as ``voucher webhooks deliver`` does) and
``deliver_mail`` (the mail outbox, as ``voucher mail send`` does); every day at 05:30 UTC,
``daily_mail`` (label renewal reminders and vouchers expiring, docs/mail.md).
:func:`send_mail` asks for the mail outbox to be sent now (after a commit that wrote some).
:func:`send` puts a job on the queue; call it once the job's row is committed.
:func:`enqueue_call` runs any function of the project off the request (e-mail sending...).
"""

from __future__ import annotations

import importlib
import logging
import os
from functools import cache
from pathlib import Path
from typing import Any

from huey import Huey, RedisHuey, SqliteHuey, crontab

from voucher.db.engine import DEFAULT_INSTANCE
from voucher.services.jobs import worker
from voucher.services.jobs.progress import QueueTracker

NAME = "voucher"
FILENAME = "voucher-jobs.sqlite3"
TASKS: dict[str, Any] = {}


def build(instance: Path | None = None, redis_url: str | None = None) -> Huey:
    url = redis_url or os.environ.get("VOUCHER_REDIS_URL")
    if url:  # VOUCHER_QUEUE_NAME: several installations sharing one Redis
        return RedisHuey(os.environ.get("VOUCHER_QUEUE_NAME") or NAME, url=url, results=False)
    folder = Path(instance or os.environ.get("VOUCHER_INSTANCE") or DEFAULT_INSTANCE)
    folder.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(NAME, filename=str(folder / FILENAME), results=False)


@cache
def queue() -> Huey:
    """This process's queue, with the project's tasks registered on it."""
    huey = build()
    tracker = QueueTracker(huey)

    @huey.task(name="run_job")
    def run_job(job_id: int) -> str:
        return worker.run(job_id, tracker)

    @huey.task(name="call")
    def call(target: str, args: list[Any]) -> None:
        module, _, name = target.rpartition(".")
        getattr(importlib.import_module(module), name)(*args)

    @huey.periodic_task(crontab(minute="*"), name="deliver_webhooks")
    def deliver_webhooks() -> int:
        return worker.deliver_webhooks()

    @huey.periodic_task(crontab(minute="*"), name="deliver_mail")
    def deliver_mail() -> int:
        return worker.deliver_mail()

    @huey.periodic_task(crontab(hour="5", minute="30"), name="daily_mail")
    def daily_mail() -> int:
        return worker.daily_mail()

    TASKS.update(
        run_job=run_job,
        call=call,
        deliver_webhooks=deliver_webhooks,
        deliver_mail=deliver_mail,
        daily_mail=daily_mail,
    )
    return huey


def send(job_id: int) -> None:
    """Put a committed job on the queue (sending it twice runs it once)."""
    _task("run_job")(job_id)


def enqueue_call(target: str, *args: Any) -> None:
    """Run ``target`` (``"package.module.function"``, JSON-able arguments) on the worker."""
    _task("call")(target, list(args))


def send_mail() -> None:
    """Send the mail outbox now, on the worker (call once the messages are committed). A
    queue out of reach only delays the mail: the worker sends what is due every minute."""
    try:
        _task("deliver_mail")()
    except Exception:  # the work is committed: its answer must not turn into an error
        logging.getLogger(__name__).warning("mail not queued now; the next round sends it")


def tracker() -> QueueTracker:
    return QueueTracker(queue())


def _task(name: str) -> Any:
    queue()
    return TASKS[name]
