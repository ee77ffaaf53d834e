"""Running a job (the worker's side, in this process, on the test's database): progress is
written as the work goes and reaches the total; a job sent twice is done once; the "job
finished" hooks are called once per finished job, after its state is committed, with
``done`` or ``failed``, and a hook that fails changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select

from tests import factories as f
from voucher.db.engine import unit_of_work
from voucher.db.models import Batch, Job
from voucher.services.context import Actor
from voucher.services.jobs import jobs, kinds, worker


class Progress:
    """The tracker's contract, kept in memory: every write seen."""

    def __init__(self) -> None:
        self.writes: list[tuple[int, int, int]] = []

    def set(self, job_id: int, done: int, total: int) -> None:
        self.writes.append((job_id, done, total))

    def get(self, job_id: int) -> tuple[int, int] | None:
        mine = [(d, t) for j, d, t in self.writes if j == job_id]
        return mine[-1] if mine else None

    def clear(self, job_id: int) -> None:
        pass


@pytest.fixture
def on_worker(fresh_engine, monkeypatch) -> Any:
    monkeypatch.setenv("DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    worker.engine.cache_clear()
    yield fresh_engine
    worker.engine().dispose()
    worker.engine.cache_clear()


def test_progress_moves_a_job_is_done_once_and_the_finished_hooks_see_it(on_worker, monkeypatch):
    monkeypatch.setenv("VOUCHER_ISSUE_CHUNK_BOOKS", "2")  # three chunks for five books
    finished: list[tuple[int, str, str]] = []

    def seen(job_id: int, state: str) -> None:
        with unit_of_work(on_worker) as s:  # the state is committed when the hook runs
            finished.append((job_id, state, s.get(Job, job_id).state))

    def broken(job_id: int, state: str) -> None:
        raise RuntimeError("a hook that fails")

    monkeypatch.setattr(jobs, "FINISHED", [])
    jobs.on_finished(broken)
    jobs.on_finished(seen)
    with unit_of_work(on_worker) as s:
        w = f.world(s, books=1)
        staff = Actor(label="financeur", organisation_id=w.funder_a.id, role="funder")
        order = {"programme_id": w.programme.id, "prescriber_id": w.prescriber.id, "books": 5}
        good, _ = jobs.enqueue(s, staff, kinds.BATCH_ISSUE, order, "k1", total=5)
        bad, _ = jobs.enqueue(
            s, staff, kinds.BATCH_ISSUE, {**order, "prescriber_id": w.funder_b.id}, "k2"
        )
        good_id, bad_id = good.id, bad.id
    progress = Progress()
    assert worker.run(good_id, progress) == "done"
    assert worker.run(good_id, progress) == "done"  # sent twice: done once
    assert worker.run(bad_id, progress) == "failed"
    assert [(d, t) for j, d, t in progress.writes if j == good_id] == [(2, 5), (4, 5), (5, 5)]
    assert finished == [(good_id, "done", "done"), (bad_id, "failed", "failed")]
    with unit_of_work(on_worker) as s:
        assert s.scalar(select(func.count()).select_from(Batch).where(Batch.books_count == 5)) == 1
        job = s.get(Job, good_id)
        assert (job.progress_done, job.progress_total, job.attempts) == (5, 5, 1)
        assert s.get(Job, bad_id).error_code == "not_a_prescriber"
