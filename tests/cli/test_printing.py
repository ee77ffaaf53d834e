"""``voucher print``: proof, approval, production, CSV and replacement from the command line,
on a database that really commits; a refusal leaves no file behind."""

from __future__ import annotations

import hashlib

from click.testing import CliRunner
from sqlalchemy import select

from tests import factories as f
from voucher.cli import common
from voucher.cli.main import main
from voucher.db.engine import unit_of_work
from voucher.db.models import Batch, Book
from voucher.services.access import people

EMAIL = "camille@fondation-a.test"


def _setup(fresh_engine, tmp_path, monkeypatch) -> tuple[int, int]:
    monkeypatch.setenv("VOUCHER_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setattr(
        common, "engine", lambda: fresh_engine
    )  # one engine, disposed by the fixture
    with unit_of_work(fresh_engine) as s:
        w = f.world(s, books=2)
        people.create_user(
            s,
            f.ACTOR,
            email=EMAIL,
            name="Camille",
            password="un mot de passe assez long",
            grants=[(w.funder_a.id, "funder")],
        )
        return w.batch.id, w.batch.first_serial


def _run(*args: str):
    return CliRunner().invoke(main, ["print", *args, "--as", EMAIL], catch_exceptions=False)


def test_the_print_workflow_from_the_command_line(fresh_engine, tmp_path, monkeypatch):
    batch_id, first = _setup(fresh_engine, tmp_path, monkeypatch)
    out = tmp_path / "lot.pdf"
    refused = _run("production", "--batch", str(batch_id), "--out", str(out))
    assert refused.exit_code == 1 and "proof_not_approved" in refused.output
    assert list(tmp_path.iterdir()) == []  # no file, no partial file

    none = _run(
        "proof", "--batch", str(batch_id), "--out", str(tmp_path / "bat.pdf"), "--books", "0"
    )
    assert none.exit_code == 1 and "au moins 1" in none.output
    nowhere = _run("proof", "--batch", str(batch_id), "--out", str(tmp_path / "absent" / "bat.pdf"))
    assert nowhere.exit_code == 1 and "n'existe pas" in " ".join(nowhere.output.split())
    assert "Traceback" not in nowhere.output
    assert list(tmp_path.iterdir()) == []
    proof = _run("proof", "--batch", str(batch_id), "--out", str(tmp_path / "bat.pdf"))
    assert proof.exit_code == 0
    proof_hash = hashlib.sha256((tmp_path / "bat.pdf").read_bytes()).hexdigest()
    assert f"--proof {proof_hash[:16]}" in proof.output
    unnamed = CliRunner().invoke(
        main, ["print", "approve", "--batch", str(batch_id), "--as", EMAIL]
    )
    assert unnamed.exit_code == 2  # the approver must name the proof read
    assert _run("approve", "--batch", str(batch_id), "--proof", proof_hash[:16]).exit_code == 0
    wrong_name = _run("production", "--batch", str(batch_id), "--out", str(tmp_path / "lot.zip"))
    assert wrong_name.exit_code == 1 and not (tmp_path / "lot.zip").exists()

    done = _run("production", "--batch", str(batch_id), "--out", str(out))
    assert done.exit_code == 0, done.output
    digest = hashlib.sha256(out.read_bytes()).hexdigest()
    assert digest in done.output
    with unit_of_work(fresh_engine) as s:
        assert s.get(Batch, batch_id).print_sha256 == digest

    csv_out = tmp_path / "imprimeur.csv"
    assert _run("csv", "--batch", str(batch_id), "--out", str(csv_out)).exit_code == 0
    assert len(csv_out.read_text(encoding="utf-8").splitlines()) == 1 + 20

    replaced = _run("replace", "--book", str(first), "--reason", "carnet déchiré")
    assert replaced.exit_code == 0, replaced.output
    with unit_of_work(fresh_engine) as s:
        new_serial = s.scalar(select(Book.serial).order_by(Book.serial.desc()).limit(1))
    again = _run("replacement", "--book", str(new_serial), "--out", str(tmp_path / "nouveau.pdf"))
    assert again.exit_code == 0 and (tmp_path / "nouveau.pdf").read_bytes().startswith(b"%PDF")
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".partiel")]
    audit = CliRunner().invoke(main, ["audit"])
    assert audit.exit_code == 0, audit.output
