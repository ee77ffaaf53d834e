"""A job that only reads for minutes (a batch's production print file, an export) must not
stall the desks: on SQLite every write waits for the one writer, so such a job produces its
file in a transaction that only reads, and records it in a short one afterwards.

The unlucky operator's test, on a real worker (``voucher worker``) and both databases:

* the worker held while it renders the print file (fault point ``job.progress_written``,
  the first book out) holds no write: on SQLite the write lock is free, on PostgreSQL its
  transaction has no transaction id; a desk scans then, at once;
* killed there and restarted, the job produces the file again and records it once;
* the auditor's test: a file produced while the ledger moved (a voucher of the batch
  redeemed between the last page and the record) is refused (``print_ledger_changed``)
  and nothing is recorded.
"""

from __future__ import annotations

import io
from typing import Any

import pytest
from sqlalchemy import func, select

from tests.adversary.test_batch_jobs import _start_worker, _stop, _until_finished
from tests.adversary.test_batch_jobs import jobs_app as jobs_app  # the same fixture
from tests.drills import crash
from tests.web.api.conftest import ledger_ok
from voucher.db.engine import read_only, unit_of_work
from voucher.db.models import PrintFile
from voucher.domain.errors import DomainError
from voucher.services.context import Actor
from voucher.services.printing import approval, production


def _approved(app: Any, world: Any) -> Actor:
    staff = Actor(label="financeur", organisation_id=world.funder_id, role="funder")
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        proof = production.proof(s, staff, world.batch_id).write_to(io.BytesIO())
        approval.approve_proof(s, staff, world.batch_id, proof.sha256)
    return staff


def _print_files(app: Any) -> int:
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        return int(s.scalar(select(func.count()).select_from(PrintFile)) or 0)


def test_a_print_job_renders_holding_no_write_while_a_desk_scans(jobs_app, as_key, world, tmp_path):
    _approved(jobs_app, world)
    funder = as_key("funder")
    sent = funder.post(
        f"/api/v1/batches/{world.batch_id}/print-jobs", headers={"Idempotency-Key": "p"}
    )
    assert sent.status_code == 202, sent.get_data(as_text=True)
    scans: list[int] = []

    def meanwhile() -> None:  # a desk of another programme, scanning during the rendering
        answer = as_key("other_reception").post(
            "/api/v1/redemptions",
            json={"code": world.other_codes[0]},
            headers={"Idempotency-Key": "pendant-l-impression"},
        )
        scans.append(answer.status_code)

    url = jobs_app.config["DATABASE_URL"]
    crash.kill_at(
        "job.progress_written", url, tmp_path, "worker", while_held=meanwhile, held_open=None
    )
    assert scans == [201]
    assert _print_files(jobs_app) == 1  # the proof: nothing recorded by the killed worker
    worker = _start_worker(jobs_app, tmp_path)
    try:
        done = _until_finished(funder, sent.headers["Location"])
    finally:
        _stop(worker)
    assert done["state"] == "done", done
    assert done["result"]["books"] == 3 and done["result"]["batch_id"] == world.batch_id
    assert _print_files(jobs_app) == 2  # the proof and one production file
    assert ledger_ok(jobs_app)


def test_a_file_produced_while_the_ledger_moved_is_not_recorded(jobs_app, as_key, world):
    staff = _approved(jobs_app, world)
    eng = jobs_app.extensions["voucher.engine"]
    with read_only(eng) as s:
        job = production.production(s, staff, world.batch_id)
        produced = b"".join(job.chunks(record=False))
    assert produced.startswith(b"%PDF") and job.result is None
    scan = as_key("reception").post(
        "/api/v1/redemptions", json={"code": world.codes[0]}, headers={"Idempotency-Key": "x"}
    )
    assert scan.status_code == 201  # a voucher of the batch used after its page was drawn
    with pytest.raises(DomainError) as refused, unit_of_work(eng) as s:
        job.record(s)
    assert refused.value.code == "print_ledger_changed"
    assert _print_files(jobs_app) == 1  # the proof only
