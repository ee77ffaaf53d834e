"""Fault drill: SIGKILL ``voucher print production`` once the whole file is produced and
recorded, before the commit. No file may look finished: ``--out`` does not exist, and no
hidden partial file is left either (the file is written without a name until the commit);
nothing is recorded; the rerun prints it once."""

from __future__ import annotations

import hashlib
import io

from sqlalchemy import select

from tests import factories as f
from tests.drills import crash
from voucher.db.engine import unit_of_work
from voucher.db.models import Batch, PrintFile
from voucher.services.access import people
from voucher.services.context import Actor
from voucher.services.printing import approval, production

EMAIL = "camille@fondation-a.test"


def _approved_batch(engine) -> int:
    with unit_of_work(engine) as s:
        w = f.world(s, books=30)
        people.create_user(
            s,
            f.ACTOR,
            email=EMAIL,
            name="Camille",
            password="un mot de passe assez long",
            grants=[(w.funder_a.id, "funder")],
        )
        funder = Actor(label="drill", role="funder", organisation_id=w.funder_a.id)
        proof = production.proof(s, funder, w.batch.id).write_to(io.BytesIO())
        approval.approve_proof(s, funder, w.batch.id, proof.sha256)
        return w.batch.id


def _productions(engine, batch_id: int) -> list[str]:
    with unit_of_work(engine) as s:
        return list(
            s.scalars(
                select(PrintFile.sha256).where(
                    PrintFile.batch_id == batch_id, PrintFile.kind == "production"
                )
            )
        )


def test_a_killed_production_leaves_no_file_that_looks_done_and_a_rerun_prints_once(
    fresh_engine, tmp_path
):
    batch_id = _approved_batch(fresh_engine)
    url = fresh_engine.url.render_as_string(hide_password=False)
    out = tmp_path / "lot.pdf"
    command = ("print", "production", "--batch", str(batch_id), "--out", str(out), "--as", EMAIL)
    crash.kill_at("print.file_recorded", url, tmp_path, *command)
    assert not out.exists()
    assert list(tmp_path.glob("*lot.pdf*")) == []  # not even a hidden partial file
    assert _productions(fresh_engine, batch_id) == []
    with unit_of_work(fresh_engine) as s:
        assert s.get(Batch, batch_id).print_sha256 is None

    crash.complete(url, tmp_path, *command)
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert out.read_bytes().startswith(b"%PDF")
    assert _productions(fresh_engine, batch_id) == [digest]
    with unit_of_work(fresh_engine) as s:
        assert s.get(Batch, batch_id).print_sha256 == digest
