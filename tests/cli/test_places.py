"""``voucher places sirene`` loads the establishments extract; ``voucher places reminders``
lists labels due for renewal (the e-mail itself is sent by the outbox)."""

from __future__ import annotations

from datetime import date

from click.testing import CliRunner

from tests import factories as f
from tests.services.places import place_world as pw
from voucher.cli.main import main
from voucher.db.engine import unit_of_work
from voucher.db.models import SireneEstablishment
from voucher.services.organisations import organisations


def test_sirene_load_then_reminders(fresh_engine, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("VOUCHER_INSTANCE", str(tmp_path))
    runner = CliRunner()
    loaded = runner.invoke(main, ["places", "sirene", str(pw.EXTRACT)])
    assert loaded.exit_code == 0, loaded.output
    assert "5 établissements chargés, 1 lignes ignorées" in loaded.output
    with unit_of_work(fresh_engine) as s:
        assert s.get(SireneEstablishment, pw.LYON) is not None
        org = f.structure(s, "EPN Rappel", label=None)
        organisations.add_label(
            s, f.ACTOR, org.id, "Pass numérique", date(2026, 1, 1), date(2026, 12, 31)
        )
    due = runner.invoke(main, ["places", "reminders", "--today", "2026-12-15", "--days", "30"])
    assert due.exit_code == 0 and "EPN Rappel" in due.output and "31/12/2026" in due.output
    none = runner.invoke(main, ["places", "reminders", "--today", "2026-10-01"])
    assert none.exit_code == 0 and "EPN Rappel" not in none.output
