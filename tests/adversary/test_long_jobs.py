"""Long work started from the pages and the API runs as jobs on a real worker (``voucher
worker``, its own process, the test's database), and its result files reach only the
people they are for.

* the accountant's month close, payment run and FEC, the funder's impact export (and the
  evaluator package: the same form) and production print file each answer a job's page at
  once; the same form sent again (same ``job_token``) answers the same job;
* once done, the page offers the result; a file is kept in the instance folder, outside
  the web root, served only to people of the job's organisation holding a role of its
  kind: another funder, the same organisation's accountant, anonymous: nothing;
* over the API, the production print file of a batch is a job (``202`` + the job, the
  same ``Idempotency-Key`` the same job), its file read from ``/api/v1/jobs/<id>/file``
  by the key's organisation only; the PDF is a real PDF.
"""

from __future__ import annotations

import io
import re
import time
import zipfile
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from tests import factories as f
from tests import jobs_world as jw
from tests.documents.print_world import pdf_pages
from tests.drills import crash
from tests.services.finance import finance_world as fw
from tests.web.api.conftest import ledger_ok, problem
from voucher.db.engine import unit_of_work
from voucher.db.models import Job, MonthClose, PaymentRun, PrintFile
from voucher.documents import fec
from voucher.domain.calendar import utcnow
from voucher.services.impact import release
from voucher.services.jobs import results


def _count(app: Any, model: Any) -> int:
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        return int(s.scalar(select(func.count()).select_from(model)) or 0)


def _file_link(page: str) -> str:
    found = re.search(r'href="(/taches/\d+/fichier)"', page)
    assert found, page[-800:]
    return found.group(1)


def test_pages_start_jobs_once_and_their_files_reach_only_their_people(jobs_app, client, tmp_path):
    scene = jw.scene(jobs_app)
    url = jobs_app.config["DATABASE_URL"]
    worker = crash.start_worker(url, tmp_path)
    try:
        # the operator's accountant: close, then a payment run, then the FEC
        jw.sign_in(client, scene.operator_finance)
        close = {"mois": "2026-09", "csrf_token": jw.csrf(client, "/finance"), "job_token": "c"}
        closing = jw.job_path(client.post("/finance/cloture", data=close))
        assert "terminée" in jw.until_finished(client, closing)
        assert _count(jobs_app, MonthClose) == 1
        token = jw.csrf(client, "/finance/paiements")
        asked = client.post(
            "/finance/paiements", data={"version": "pain.001.001.03", "csrf_token": token}
        )
        page = asked.get_data(as_text=True)  # the confirmation carries the form's token
        expected = re.search(r'name="expected" value="([^"]+)"', page).group(1)
        job_token = re.search(r'name="job_token" value="([^"]+)"', page).group(1)
        confirmed = {
            "version": "pain.001.001.03",
            "csrf_token": token,
            "confirm": "yes",
            "expected": expected,
            "job_token": job_token,
        }
        paying = jw.job_path(client.post("/finance/paiements", data=confirmed))
        assert jw.job_path(client.post("/finance/paiements", data=confirmed)) == paying
        paid = jw.until_finished(client, paying)
        run_file = re.search(r'href="(/finance/paiements/\d+\.xml)"', paid).group(1)
        assert client.get(run_file).data.startswith(b"<?xml")
        assert _count(jobs_app, PaymentRun) == 1
        fec_form = {
            "du": "2026-01-01",
            "au": "2026-12-31",
            "separateur": "pipe",
            "csrf_token": jw.csrf(client, "/finance/comptabilite"),
            "job_token": "fec-1",
        }
        fec_job = jw.job_path(client.post("/finance/comptabilite/fec", data=fec_form))
        fec_link = _file_link(jw.until_finished(client, fec_job))
        fec_file = client.get(fec_link)
        fec_file.get_data()
        fec_file.close()  # a streamed file: the client closes it
        assert re.search(
            r'filename="\d{9}FEC20261231\.txt"', fec_file.headers["Content-Disposition"]
        )
        rows = fec.read(fec_file.get_data(as_text=True))
        assert rows and all(len(r) == 18 for r in rows)

        # a funder's accountant may not export the FEC: refused on the page, no job
        jw.sign_in(client, scene.funder_finance)
        jobs_before = _count(jobs_app, Job)
        token = jw.csrf(client, "/finance/comptabilite")
        refused = client.post("/finance/comptabilite/fec", data={**fec_form, "csrf_token": token})
        assert refused.status_code == 303 and "/taches/" not in refused.headers["Location"]
        assert _count(jobs_app, Job) == jobs_before
        assert client.get(fec_job).status_code == 404  # another organisation's job
        assert client.get(fec_link).status_code == 404

        # the funder's staff: the evaluator package of the impact figures (of a release:
        # readers never get live figures)
        with unit_of_work(jobs_app.extensions["voucher.engine"]) as s:
            later = utcnow() + timedelta(days=40)
            release.publish(s, f.ACTOR, period=release.closed_month(later), now=later)
        jw.sign_in(client, scene.funder_staff)
        export = {"csrf_token": jw.csrf(client, "/impact"), "job_token": "x-1"}
        exporting = jw.job_path(client.post("/impact/export/paquet", data=export))
        assert jw.job_path(client.post("/impact/export/paquet", data=export)) == exporting
        link = _file_link(jw.until_finished(client, exporting))
        package = client.get(link)
        package.get_data()
        package.close()
        assert package.status_code == 200 and package.headers["Cache-Control"] == "no-store"
        assert "datapackage.json" in zipfile.ZipFile(io.BytesIO(package.data)).namelist()
    finally:
        crash.stop(worker)

    # the file lives in the instance folder, not under anything the web server serves
    job_id = int(exporting.rsplit("/", 1)[1])
    with unit_of_work(jobs_app.extensions["voucher.engine"]) as s:
        job = s.get(Job, job_id)
        stored = results.path_of(job.id, job.result)
    assert stored is not None and stored.read_bytes() == package.data
    assert stored.is_relative_to(tmp_path / "instance")
    assert not stored.is_relative_to(jobs_app.static_folder or "/nonexistent")
    assert client.get(f"/static/../instance/job-results/{job_id}/{stored.name}").status_code == 404
    for other in (scene.stranger_funder, scene.funder_finance):  # other org; wrong role
        jw.sign_in(client, other)
        assert client.get(exporting).status_code in (403, 404)
        assert client.get(link).status_code in (403, 404)
    with client.session_transaction() as sess:
        sess.clear()
    assert client.get(link).status_code == 302  # anonymous: to the sign-in page
    assert _count(jobs_app, MonthClose) == 1 and _count(jobs_app, PaymentRun) == 1
    with unit_of_work(jobs_app.extensions["voucher.engine"]) as s:
        assert {j.state for j in s.scalars(select(Job))} == {"done"}
    assert ledger_ok(jobs_app)


def test_the_api_and_the_page_make_print_files_by_jobs_for_the_batch_funder_only(
    jobs_app, as_key, world, client, tmp_path
):
    from voucher.services.context import Actor
    from voucher.services.printing import approval, production

    path = f"/api/v1/batches/{world.batch_id}/print-jobs"
    funder = as_key("funder")
    problem(funder.post(path), 409, "proof_not_approved")  # refused at once, no job
    assert _count(jobs_app, Job) == 0
    with unit_of_work(jobs_app.extensions["voucher.engine"]) as s:
        staff = Actor(label="financeur", organisation_id=world.funder_id, role="funder")
        proof = production.proof(s, staff, world.batch_id).write_to(io.BytesIO())
        approval.approve_proof(s, staff, world.batch_id, proof.sha256)
    problem(as_key("other_funder").post(path), 404, "not_found")
    problem(as_key("prescriber").post(path), 403, "forbidden")
    first = funder.post(path, headers={"Idempotency-Key": "print-1"})
    assert first.status_code == 202, first.get_data(as_text=True)
    location = first.headers["Location"]
    again = funder.post(path, headers={"Idempotency-Key": "print-1"})
    assert again.status_code == 202 and again.headers["Location"] == location
    with unit_of_work(jobs_app.extensions["voucher.engine"]) as s:
        person = fw.person(s, world.funder_id, "funder").user_id
    jw.sign_in(client, person)
    page = f"/financeur/lots/{world.batch_id}"
    form = {"csrf_token": jw.csrf(client, page), "job_token": "p-1"}
    printing = jw.job_path(client.post(f"{page}/production", data=form))
    assert jw.job_path(client.post(f"{page}/production", data=form)) == printing
    assert _count(jobs_app, PrintFile) == 1  # the proof only: nothing printed by the request
    worker = crash.start_worker(jobs_app.config["DATABASE_URL"], tmp_path)
    try:
        printed = jw.until_finished(client, printing)
        began = time.monotonic()
        while (body := funder.get(location).get_json())["state"] not in ("done", "failed"):
            assert time.monotonic() - began < jw.WAIT, body
            time.sleep(0.1)
    finally:
        crash.stop(worker)
    assert body["state"] == "done" and body["result_url"] == f"{location}/file", body
    assert body["progress"]["done"] == body["progress"]["total"] == body["result"]["books"]
    problem(as_key("other_funder").get(body["result_url"]), 404, "not_found")
    problem(as_key("other_funder").get(location), 404, "not_found")
    pdf = funder.get(body["result_url"])
    pdf.get_data()
    pdf.close()
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf_pages(pdf.get_data()) >= 1
    from_page = client.get(_file_link(printed))
    assert pdf_pages(from_page.get_data()) >= 1
    from_page.close()
    assert _count(jobs_app, Job) == 2
    assert _count(jobs_app, PrintFile) == 3  # the proof, one production file per job
    assert ledger_ok(jobs_app)
