"""A large batch is issued by its job in chunks, each its own transaction: the drill over
several chunks, with a real job worker (``voucher worker``) killed twice, on the test's
database (SQLite and PostgreSQL) and queue (huey's SQLite file and Redis).

The unlucky operator's and the auditor's test:

* the worker stopped **between two chunks** (fault point ``issue.chunk_committed``) holds
  no transaction (on SQLite: no write lock). There, a desk's scan succeeds at once, the
  batch is ``issuing`` with its first chunk's books, the ledger audit is green, the job
  shows its progress, and the batch can be neither activated nor printed yet
  (``batch_issuing``);
* killed there, then killed again **inside the next chunk** (``issue.books_written``: that
  chunk's books written, not committed), the batch keeps exactly its first chunk and the
  audit stays green;
* the worker restarted goes on from the last chunk committed: every book is issued once
  (serials contiguous, no gap, no duplicate), one entry per chunk, one audit event for the
  batch, the job done once.
"""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from tests.adversary.test_batch_jobs import _order, _start_worker, _stop, _until_finished
from tests.adversary.test_batch_jobs import jobs_app as jobs_app  # the same fixture
from tests.drills import crash
from tests.web.api.conftest import ledger_ok, problem
from voucher.db.engine import unit_of_work
from voucher.db.models import AuditEvent, Batch, Book, Job, JournalEntry, Voucher
from voucher.services.finance import ledger_audit

CHUNK = 2
BOOKS = 5  # chunks of 2, 2 and 1 book


@pytest.fixture
def chunked(jobs_app: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("VOUCHER_ISSUE_CHUNK_BOOKS", str(CHUNK))  # the worker's environment
    return jobs_app


def _seen(app: Any, batch_id: int) -> dict[str, Any]:
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        batch = s.get(Batch, batch_id)
        assert batch is not None
        serials = list(s.scalars(select(Book.serial).where(Book.batch_id == batch_id)))
        return {
            "status": batch.status,
            "serials": sorted(serials),
            "first": batch.first_serial,
            "vouchers": int(
                s.scalar(
                    select(func.count())
                    .select_from(Voucher)
                    .join(Book, Book.id == Voucher.book_id)
                    .where(Book.batch_id == batch_id)
                )
                or 0
            ),
            "entries": int(
                s.scalar(
                    select(func.count())
                    .select_from(JournalEntry)
                    .where(
                        JournalEntry.kind == "batch.issue",
                        JournalEntry.memo.like(f"lot {batch_id},%"),
                    )
                )
                or 0
            ),
            "audit_events": int(
                s.scalar(
                    select(func.count())
                    .select_from(AuditEvent)
                    .where(AuditEvent.action == "batch.issue", AuditEvent.object_id == batch_id)
                )
                or 0
            ),
            "ledger_ok": ledger_audit.verify(s).ok,
        }


def _batch_of(app: Any, job_id: int) -> int:
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        job = s.get(Job, job_id)
        assert job is not None
        return int(job.params["batch_id"])


def test_killed_between_chunks_and_inside_one_the_job_resumes_and_issues_each_book_once(
    chunked, as_key, world, tmp_path
):
    funder, desk = as_key("funder"), as_key("reception")
    sent = funder.post(
        "/api/v1/batches", json=_order(world, BOOKS), headers={"Idempotency-Key": "c"}
    )
    assert sent.status_code == 202, sent.get_data(as_text=True)
    job_id, location = sent.get_json()["id"], sent.headers["Location"]
    url = chunked.config["DATABASE_URL"]
    between: dict[str, Any] = {}

    def meanwhile() -> None:
        batch_id = _batch_of(chunked, job_id)
        between["batch"] = _seen(chunked, batch_id)
        scan = desk.post(
            "/api/v1/redemptions", json={"code": world.codes[0]}, headers={"Idempotency-Key": "d"}
        )
        between["scan"] = scan.status_code, scan.get_data(as_text=True)
        between["job"] = funder.get(location).get_json()
        between["activate"] = funder.post(f"/api/v1/batches/{batch_id}/activate")
        between["print"] = funder.post(f"/api/v1/batches/{batch_id}/print-jobs")

    crash.kill_at(
        "issue.chunk_committed", url, tmp_path, "worker", while_held=meanwhile, held_open=False
    )
    assert between["scan"][0] == 201, between["scan"]  # no desk waits for the issue
    first = between["batch"]
    assert first["status"] == "issuing" and first["ledger_ok"]
    assert first["serials"] == [first["first"], first["first"] + 1] and first["entries"] == 1
    assert between["job"]["state"] == "running"
    assert between["job"]["progress"] == {"done": CHUNK, "total": BOOKS}
    problem(between["activate"], 409, "batch_issuing")
    problem(between["print"], 409, "batch_issuing")  # half its books: no print file
    batch_id = _batch_of(chunked, job_id)
    after_first = _seen(chunked, batch_id)
    assert after_first == {**first, "ledger_ok": True}

    crash.kill_at("issue.books_written", url, tmp_path, "worker")  # inside the second chunk
    assert _seen(chunked, batch_id) == after_first  # that chunk left nothing
    assert ledger_ok(chunked)

    worker = _start_worker(chunked, tmp_path)
    try:
        done = _until_finished(funder, location)
    finally:
        _stop(worker)
    assert done["state"] == "done" and done["progress"] == {"done": BOOKS, "total": BOOKS}
    end = _seen(chunked, batch_id)
    assert end["status"] == "issued" and end["ledger_ok"]
    assert end["serials"] == list(range(end["first"], end["first"] + BOOKS))
    assert end["vouchers"] == BOOKS * (first["vouchers"] // CHUNK)
    assert end["entries"] == 3 and end["audit_events"] == 1  # one entry per chunk
    with unit_of_work(chunked.extensions["voucher.engine"]) as s:
        assert (
            s.scalar(select(func.count()).select_from(Batch).where(Batch.books_count == BOOKS)) == 1
        )
        job = s.get(Job, job_id)
        assert job is not None and job.attempts == 3 and job.progress_done == BOOKS
    activated = funder.post(f"/api/v1/batches/{batch_id}/activate")
    body = activated.get_json()
    assert activated.status_code == 200 or body["code"] == "insufficient_funds", body
    again = funder.post(
        "/api/v1/batches", json=_order(world, BOOKS), headers={"Idempotency-Key": "c"}
    )
    assert again.status_code == 202 and again.get_json()["state"] == "done"
    assert _seen(chunked, batch_id)["serials"] == end["serials"]


def test_a_batch_issued_meanwhile_takes_serials_after_the_reserved_range(
    chunked, as_key, world, tmp_path
):
    funder = as_key("funder")
    sent = funder.post("/api/v1/batches", json=_order(world, BOOKS))
    location = sent.headers["Location"]
    small: dict[str, Any] = {}

    def meanwhile() -> None:
        answer = funder.post("/api/v1/batches", json=_order(world, 2))
        small.update(answer.get_json())

    url = chunked.config["DATABASE_URL"]
    crash.kill_at(
        "issue.chunk_committed", url, tmp_path, "worker", while_held=meanwhile, held_open=False
    )
    batch_id = _batch_of(chunked, sent.get_json()["id"])
    reserved = _seen(chunked, batch_id)["first"]
    assert small["first_serial"] == reserved + BOOKS  # never inside the issuing batch's range
    worker = _start_worker(chunked, tmp_path)
    try:
        assert _until_finished(funder, location)["state"] == "done"
    finally:
        _stop(worker)
    end = _seen(chunked, batch_id)
    assert end["serials"] == list(range(reserved, reserved + BOOKS)) and end["ledger_ok"]
