"""Fault drill on the job worker, for a month close started from the finance page: the
worker is stopped at its first progress short of the total (fault point
``job.progress_written``: half the close done, nothing committed). There the job's page
and the API's job resource (PostgreSQL) already show the progress moving (read from the
queue's storage while the ledger's transaction is open); the kill leaves no statement, no close and a balanced ledger; the
restarted worker finishes the job exactly once, and the form sent again answers the
same job."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from tests import jobs_world as jw
from tests.drills import crash
from voucher.db.engine import unit_of_work
from voucher.db.models import Job, MonthClose, Statement
from voucher.services.finance import close, ledger_audit


def _state(app) -> tuple[int, int, int, str]:
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        assert ledger_audit.verify(s).ok
        jobs = list(s.scalars(select(Job)))
        return (
            len(jobs),
            int(s.scalar(select(func.count()).select_from(MonthClose)) or 0),
            int(s.scalar(select(func.count()).select_from(Statement)) or 0),
            jobs[0].state if jobs else "",
        )


def test_a_close_job_killed_halfway_showed_its_progress_left_nothing_and_completes_once(
    jobs_app, client, tmp_path
):
    scene = jw.scene(jobs_app)
    jw.sign_in(client, scene.operator_finance)
    form = {"mois": "2026-09", "csrf_token": jw.csrf(client, "/finance"), "job_token": "f-1"}
    path = jw.job_path(client.post("/finance/cloture", data=form))
    assert jw.job_path(client.post("/finance/cloture", data=form)) == path  # a double click
    assert _state(jobs_app) == (1, 0, 0, "queued")
    seen: list[str] = []
    api = {"Authorization": f"Bearer {scene.operator_finance_key}"}
    resource = f"/api/v1/jobs/{path.rsplit('/', 1)[1]}"
    client.get(resource, headers=api)  # the key's first use is recorded before the job
    over_api: list[dict] = []

    def halfway() -> None:
        seen.append(client.get(path).get_data(as_text=True))
        if not jobs_app.config["DATABASE_URL"].startswith("sqlite"):
            # SQLite: an API request takes the write lock the job holds (docs/jobs.md)
            over_api.append(client.get(resource, headers=api).get_json())

    url = jobs_app.config["DATABASE_URL"]
    crash.kill_at("job.progress_written", url, tmp_path, "worker", while_held=halfway)
    moving = re.search(r"Avancement : (\d+) sur (\d+)", seen[0])
    assert "en cours" in seen[0] and 'http-equiv="refresh"' in seen[0]
    assert moving and 0 < int(moving[1]) < int(moving[2]) == len(close.STEPS), seen[0][-600:]
    assert len(over_api) == (0 if url.startswith("sqlite") else 1)
    for body in over_api:
        assert body["state"] == "running", body
        assert 0 < body["progress"]["done"] < body["progress"]["total"] == len(close.STEPS)
    assert _state(jobs_app) == (1, 0, 0, "running")  # the kill left nothing half-done

    worker = crash.start_worker(url, tmp_path)
    try:
        page = jw.until_finished(client, path)
    finally:
        crash.stop(worker)
    assert "terminée" in page and "/finance/mois/2026-09" in page
    assert _state(jobs_app) == (1, 1, 2, "done")
    assert jw.job_path(client.post("/finance/cloture", data=form)) == path
    assert _state(jobs_app) == (1, 1, 2, "done")
