"""``voucher disputes``: list, release, reject from the command line, same rules as the API
reads (a spent voucher is never paid; a dispute is decided once)."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from tests.services.redemption import fraud_world as fw
from voucher.cli.main import main
from voucher.db.engine import unit_of_work
from voucher.db.models import OfflineDispute, User
from voucher.services.context import Actor
from voucher.services.redemption import disputes, redeem


def test_disputes_are_listed_and_a_spent_voucher_is_never_paid(fresh_engine, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("VOUCHER_INSTANCE", str(tmp_path))
    with unit_of_work(fresh_engine) as s:
        w = fw.world(s)
        code = fw.codes(s, fw.serial(w))[0]
        fw.scan(s, w, code)
        desk = Actor(label="tablette", organisation_id=w.structure.id)
        offline = redeem.Scan(code, w.structure.id, scan_id="hors-ligne-7")
        dispute_id = disputes.open_for(s, desk, offline, "already_redeemed")
        reviewer = fw.person(s, w.funder_a.id, "funder")
        email = s.scalar(select(User.email).where(User.id == reviewer.user_id))
    runner = CliRunner()
    listed = runner.invoke(main, ["disputes", "list"])
    assert listed.exit_code == 0 and "Litiges (open) : 1" in listed.output
    paid = runner.invoke(main, ["disputes", "release", str(dispute_id), "--as", email])
    assert paid.exit_code == 1 and "dispute_not_payable" in paid.output
    note = ["--note", "Déjà encaissé ailleurs."]
    done = runner.invoke(main, ["disputes", "reject", str(dispute_id), "--as", email, *note])
    assert done.exit_code == 0, done.output
    again = runner.invoke(main, ["disputes", "reject", str(dispute_id), "--as", email, *note])
    assert again.exit_code == 1 and "dispute_already_decided" in again.output
    with unit_of_work(fresh_engine) as s:
        assert s.get(OfflineDispute, dispute_id).status == "rejected"
