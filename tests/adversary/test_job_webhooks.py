"""``job.finished``: a partner that started long work hears when it ends, on its loopback
receiver, signed; a job that failed says why; work rolled back (the worker died inside
it, or crashed) announces nothing, and a job run again once done is not announced twice."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select
from standardwebhooks import Webhook

from tests.adversary.test_api_webhooks import deliver, receiver, subscribe
from voucher.db.engine import unit_of_work
from voucher.db.models import Job, WebhookDelivery
from voucher.domain.errors import DomainError
from voucher.services.context import Actor
from voucher.services.jobs import jobs, kinds, worker

__all__ = ["receiver"]


class Progress:
    """Progress kept in memory (the queue's storage is not under test here)."""

    def set(self, job_id: int, done: int, total: int) -> None:
        return None

    def get(self, job_id: int) -> tuple[int, int] | None:
        return None

    def clear(self, job_id: int) -> None:
        return None


@pytest.fixture
def in_worker(app: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """The worker's engine on the test's database; two kinds of work that go wrong."""
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    worker.engine.cache_clear()

    @jobs.kind("test.refused")
    def refused(*_: Any) -> dict[str, Any]:
        raise DomainError("invalid_quantity")

    @jobs.kind("test.crashed")
    def crashed(*_: Any) -> dict[str, Any]:
        raise RuntimeError("the worker's work blew up before its commit")

    try:
        yield
    finally:
        worker.engine().dispose()
        worker.engine.cache_clear()
        jobs.KINDS.pop("test.refused")
        jobs.KINDS.pop("test.crashed")


def _job(app: Any, world: Any, kind: str, **params: Any) -> int:
    funder = Actor(label="clé financeur", organisation_id=world.funder_id, role="funder")
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        job, _ = jobs.enqueue(s, funder, kind, params, total=1)
        return job.id


def test_a_finished_job_is_announced_once_and_signed(app, world, receiver, in_worker):
    secret = subscribe(app, world.funder_id, receiver.url, "job.finished")
    issue = _job(
        app,
        world,
        kinds.BATCH_ISSUE,
        programme_id=world.programme_id,
        prescriber_id=world.prescriber_id,
        books=1,
    )
    refused = _job(app, world, "test.refused")
    assert deliver(app) == []  # queued, not finished: nothing to say

    assert worker.run(issue, Progress()) == jobs.DONE
    assert worker.run(issue, Progress()) == jobs.DONE  # sent twice: done once, told once
    assert worker.run(refused, Progress()) == jobs.FAILED
    assert [o.status for o in deliver(app)] == ["delivered", "delivered"]

    told = {}
    for headers, body in receiver.received:
        payload = Webhook(secret).verify(body, headers)
        assert payload["type"] == "job.finished"
        told[payload["data"]["job_id"]] = payload["data"]
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        batch_id = s.get(Job, issue).result["batch_id"]
    assert told[issue]["state"] == "done" and told[issue]["result"] == {"batch_id": batch_id}
    assert told[refused]["state"] == "failed"
    assert told[refused]["error_code"] == "invalid_quantity"


def test_work_rolled_back_announces_nothing(app, world, receiver, in_worker):
    subscribe(app, world.funder_id, receiver.url, "job.finished")
    crashed = _job(app, world, "test.crashed")
    with pytest.raises(RuntimeError):
        worker.run(crashed, Progress())
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        assert s.get(Job, crashed).state == jobs.RUNNING  # left for the restarted worker
        assert s.scalar(select(func.count()).select_from(WebhookDelivery)) == 0
    assert deliver(app) == [] and receiver.received == []


def test_only_the_jobs_organisation_hears(app, world, receiver, in_worker):
    subscribe(app, world.other_structure_id, receiver.url, "job.finished")
    refused = _job(app, world, "test.refused")
    assert worker.run(refused, Progress()) == jobs.FAILED
    assert deliver(app) == [] and receiver.received == []
