"""Long work off the request: a large batch is issued by a job, run by a real job worker
(``voucher worker``, huey's consumer, in its own process) on the test's database.

* the funder gets ``202 Accepted`` at once, with a ``Location`` to the job resource, which
  shows the job's state and progress and, once done, the batch it issued;
* the unlucky client resending the same request with the same ``Idempotency-Key`` gets the
  same job, never a second batch; the same key for another batch is refused;
* the worker killed at the job's end (fault point ``job.work_written``: the batch's chunks
  committed, its ``issued`` state and the job's ``done`` not) leaves a batch ``issuing``
  that cannot be activated, and a balanced ledger; the restarted worker completes the job,
  exactly once. The drill over several chunks is tests/adversary/test_chunked_issue.py.
"""

from __future__ import annotations

import subprocess
import time
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.drills import crash
from tests.web.api.conftest import counts, ledger_ok, problem
from voucher.db.engine import unit_of_work
from voucher.db.models import Batch, Book, Job
from voucher.services.jobs import queue

BOOKS = 4  # above the threshold set below: small for CI, the same path as 100,000
WAIT = 300.0  # generous bound on two shared cores; a passing run ends as soon as it is done


REDIS = "redis://127.0.0.1:6379/0"


@pytest.fixture(params=["sqlite-queue", "redis-queue"])
def jobs_app(app: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: Any) -> Any:
    """The app, its job queue (huey's SQLite file in the test's instance folder, or Redis
    under a queue name of its own), large batches from 3 books."""
    monkeypatch.setenv("VOUCHER_INSTANCE", str(tmp_path / "instance"))
    if request.param == "redis-queue":
        monkeypatch.setenv("VOUCHER_REDIS_URL", REDIS)
        monkeypatch.setenv("VOUCHER_QUEUE_NAME", f"voucher-test-{uuid.uuid4().hex[:8]}")
    else:
        monkeypatch.delenv("VOUCHER_REDIS_URL", raising=False)
    queue.queue.cache_clear()
    app.config["ASYNC_BATCH_BOOKS"] = 3
    yield app
    queue.queue().flush()  # nothing left behind in the shared Redis
    queue.queue.cache_clear()


def _start_worker(app: Any, folder: Path) -> subprocess.Popen[bytes]:
    return crash.start_worker(app.config["DATABASE_URL"], folder)


_stop = crash.stop


def _until_finished(funder: Any, location: str) -> dict[str, Any]:
    began = time.monotonic()
    while True:
        body = funder.get(location).get_json()
        if body["state"] in ("done", "failed"):
            return body
        assert time.monotonic() - began < WAIT, body
        time.sleep(0.1)


def _batches(app: Any) -> tuple[int, int]:
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        return (
            int(s.scalar(select(func.count()).select_from(Batch)) or 0),
            int(s.scalar(select(func.count()).select_from(Book)) or 0),
        )


def _order(world: Any, books: int = BOOKS) -> dict[str, int]:
    return {
        "programme_id": world.programme_id,
        "prescriber_id": world.prescriber_id,
        "books": books,
    }


def test_a_large_batch_answers_202_shows_progress_and_is_issued_once(
    jobs_app, as_key, world, tmp_path
):
    funder = as_key("funder")
    before = _batches(jobs_app)
    first = funder.post("/api/v1/batches", json=_order(world), headers={"Idempotency-Key": "lot-1"})
    assert first.status_code == 202, first.get_data(as_text=True)
    location = first.headers["Location"]
    job = first.get_json()
    assert location == f"/api/v1/jobs/{job['id']}" and job["state"] == "queued"
    assert job["progress"] == {"done": 0, "total": BOOKS}
    again = funder.post("/api/v1/batches", json=_order(world), headers={"Idempotency-Key": "lot-1"})
    assert again.status_code == 202 and again.headers["Location"] == location
    other = _order(world, BOOKS + 1)
    problem(
        funder.post("/api/v1/batches", json=other, headers={"Idempotency-Key": "lot-1"}),
        422,
        "idempotency_key_reused",
    )
    problem(as_key("other_funder").get(location), 404, "not_found")
    assert _batches(jobs_app) == before  # nothing issued inside the request
    not_a_prescriber = {**_order(world), "prescriber_id": world.structure_id}
    refused = funder.post("/api/v1/batches", json=not_a_prescriber).headers["Location"]
    worker = _start_worker(jobs_app, tmp_path)
    try:
        done = _until_finished(funder, location)
        failed = _until_finished(funder, refused)
    finally:
        _stop(worker)
    assert done["state"] == "done", done
    assert failed["state"] == "failed" and failed["error_code"] == "not_a_prescriber"
    assert failed["result_url"] is None
    assert done["progress"] == {"done": BOOKS, "total": BOOKS}
    batch = funder.get(done["result_url"]).get_json()
    assert batch["books_count"] == BOOKS
    resent = funder.post(
        "/api/v1/batches", json=_order(world), headers={"Idempotency-Key": "lot-1"}
    )
    assert resent.status_code == 202 and resent.get_json()["state"] == "done"
    assert _batches(jobs_app) == (before[0] + 1, before[1] + BOOKS)
    assert ledger_ok(jobs_app)


def test_a_small_batch_is_still_issued_inside_the_request(jobs_app, as_key, world):
    answer = as_key("funder").post("/api/v1/batches", json=_order(world, 2))
    assert answer.status_code == 201 and answer.get_json()["books_count"] == 2


def test_a_worker_killed_at_the_jobs_end_keeps_its_chunks_and_the_restart_completes_it_once(
    jobs_app, as_key, world, tmp_path
):
    funder = as_key("funder")
    before, audit_before = _batches(jobs_app), counts(jobs_app)
    sent = funder.post("/api/v1/batches", json=_order(world), headers={"Idempotency-Key": "k"})
    location = sent.headers["Location"]
    url = jobs_app.config["DATABASE_URL"]
    crash.kill_at("job.work_written", url, tmp_path, "worker")
    # its chunk is committed (one here), the batch still ``issuing``: not done, not usable
    assert _batches(jobs_app) == (before[0] + 1, before[1] + BOOKS)
    assert ledger_ok(jobs_app)
    with unit_of_work(jobs_app.extensions["voucher.engine"]) as s:
        job = s.get(Job, sent.get_json()["id"])
        assert job is not None and job.state == "running" and job.attempts >= 1
        batch_id = job.params["batch_id"]
        assert s.get(Batch, batch_id).status == "issuing"  # type: ignore[union-attr]
    activate = f"/api/v1/batches/{batch_id}/activate"
    problem(funder.post(activate), 409, "batch_issuing")
    worker = _start_worker(jobs_app, tmp_path)
    try:
        done = _until_finished(funder, location)
    finally:
        _stop(worker)
    assert done["state"] == "done", done
    assert _batches(jobs_app) == (before[0] + 1, before[1] + BOOKS)
    assert counts(jobs_app)["JournalEntry"] == audit_before["JournalEntry"] + 1
    assert ledger_ok(jobs_app)
    assert done["result_url"] == f"/api/v1/batches/{batch_id}"
    assert funder.get(done["result_url"]).get_json()["status"] == "issued"
