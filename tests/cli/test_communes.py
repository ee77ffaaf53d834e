"""``voucher communes check``: commune codes recorded before the COG check are reported to
the operator (counts only), never silently turned into a zone of their own."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import update

from tests import factories as f
from voucher.cli.main import main
from voucher.db.engine import unit_of_work
from voucher.db.models import Beneficiary
from voucher.services.issuance import handout


def test_bad_commune_codes_are_reported_with_counts(fresh_engine, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("VOUCHER_INSTANCE", str(tmp_path))
    runner = CliRunner()
    with unit_of_work(fresh_engine) as s:
        w = f.world(s)
        person = handout.find_or_create_beneficiary(s, w.prescriber.id, f.profile("r-1"), f.KEY)
    clean = runner.invoke(main, ["communes", "check"])
    assert clean.exit_code == 0 and "Tous les codes commune" in clean.output
    with unit_of_work(fresh_engine) as s:  # a row written before the check existed
        s.execute(
            update(Beneficiary).where(Beneficiary.id == person.id).values(commune_insee="86000")
        )
    found = runner.invoke(main, ["communes", "check"])
    assert found.exit_code == 1
    assert "86000" in found.output and "code postal de 86194" in found.output
    assert person.pseudonym not in found.output
    assert "Poitiers" in runner.invoke(main, ["communes", "search", "86000"]).output
