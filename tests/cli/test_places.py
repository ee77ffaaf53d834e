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


def test_the_operator_changes_the_questionnaire_and_answers_stay(
    fresh_engine, tmp_path, monkeypatch
):
    monkeypatch.setenv("DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("VOUCHER_INSTANCE", str(tmp_path))
    runner = CliRunner()
    added = runner.invoke(
        main, ["places", "question-add", "--text", "Avez-vous un ordinateur en accès libre ?"]
    )
    assert added.exit_code == 0 and "Question n° 4 ajoutée" in added.output
    assert runner.invoke(main, ["places", "question-retire", "1"]).exit_code == 0
    listed = runner.invoke(main, ["places", "questions"])
    assert "ordinateur en accès libre" in listed.output and "éloignées" not in listed.output
    again = runner.invoke(main, ["places", "question-retire", "1"])
    assert again.exit_code == 1 and "not_found" in again.output
    short = runner.invoke(main, ["places", "question-add", "--text", "?"])
    assert short.exit_code == 1 and "invalid_value" in short.output
