"""``voucher holds``: list, release, reject from the command line, same rules as the web."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select

from tests.services.redemption import fraud_world as fw
from voucher.cli.main import main
from voucher.db.engine import unit_of_work
from voucher.db.models import Hold, User


def test_holds_are_listed_and_decided_by_someone_else_than_the_scanner(
    fresh_engine, tmp_path, monkeypatch
):
    monkeypatch.setenv("DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("VOUCHER_INSTANCE", str(tmp_path))
    with unit_of_work(fresh_engine) as s:
        w = fw.world(s, handout_policy="hold")
        scanner = fw.person(s, w.structure.id, "reception", (w.funder_a.id, "funder"))
        res = fw.scan(s, w, fw.codes(s, fw.serial(w))[0], actor=scanner)
        reviewer = fw.person(s, w.funder_b.id, "funder")
        hold_id = s.scalar(select(Hold.id).where(Hold.redemption_id == res.redemption_id))
        emails = {u.id: u.email for u in s.scalars(select(User))}
    runner = CliRunner()
    listed = runner.invoke(main, ["holds", "list"])
    assert listed.exit_code == 0 and "Passages retenus (à vérifier) : 1" in listed.output
    own = runner.invoke(main, ["holds", "release", str(hold_id), "--as", emails[scanner.user_id]])
    assert own.exit_code == 1 and "same_person_review" in own.output
    done = runner.invoke(
        main,
        [
            "holds",
            "reject",
            str(hold_id),
            "--as",
            emails[reviewer.user_id],
            "--note",
            "Carnet jamais remis.",
        ],
    )
    assert done.exit_code == 0, done.output
    with unit_of_work(fresh_engine) as s:
        assert s.get(Hold, hold_id).status == "rejected"
    assert (
        "Passages retenus (rejeté) : 1"
        in runner.invoke(main, ["holds", "list", "--status", "rejected"]).output
    )
