"""``voucher redeem``: the desk's use case from the command line: an accepted scan is
printed, a refused one prints its code, exits 1 and is logged like any other refusal."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import func, select

from tests.services.redemption import fraud_world as fw
from voucher.cli.main import main
from voucher.db.engine import unit_of_work
from voucher.db.models import Redemption, RefusedScan


def test_a_voucher_redeemed_from_the_command_line_is_refused_the_second_time_and_logged(
    fresh_engine, tmp_path, monkeypatch
):
    monkeypatch.setenv("DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("VOUCHER_INSTANCE", str(tmp_path))
    with unit_of_work(fresh_engine) as s:
        w = fw.world(s)
        code = fw.codes(s, fw.serial(w))[0]
    runner = CliRunner()
    first = runner.invoke(main, ["redeem", "--structure", str(w.structure.id), code])
    assert first.exit_code == 0, first.output
    assert "accepté" in first.output or "en attente" in first.output
    again = runner.invoke(main, ["redeem", "--structure", str(w.structure.id), code])
    assert again.exit_code == 1 and "already_redeemed" in again.output
    with unit_of_work(fresh_engine) as s:
        assert s.scalar(select(func.count()).select_from(Redemption)) == 1
        assert list(s.scalars(select(RefusedScan.reason))) == ["already_redeemed"]
