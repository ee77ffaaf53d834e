"""``voucher comparison``: declare the comparison group, then import its people's answers
from a survey file; a bad line refuses the whole file (naming the line) and writes nothing;
without ``--confirm`` nothing is written either."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import func, select

from tests import factories as f
from voucher.cli.main import main
from voucher.db.engine import unit_of_work
from voucher.db.models import Beneficiary, FollowUp

HEADER = (
    "local_reference;population;age_band;social_status;commune_insee;moment;answer;observed_on\n"
)
GOOD = (
    "attente-001;seniors;soixante_dix_plus;retraite;86165;avant;entierement_accompagne;2026-02-01\n"
    "attente-001;seniors;soixante_dix_plus;retraite;86165;apres;partiellement_autonome;2026-09-01\n"
)


def answers(engine) -> int:
    with unit_of_work(engine) as s:
        return int(s.scalar(select(func.count()).select_from(FollowUp)) or 0)


def test_declare_then_import_all_or_nothing(fresh_engine, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("VOUCHER_INSTANCE", str(tmp_path))
    with unit_of_work(fresh_engine) as s:
        w = f.world(s, books=1)
        pid, presc = w.programme.id, w.prescriber.id
    runner = CliRunner()
    good = tmp_path / "attente.csv"
    good.write_text(HEADER + GOOD, encoding="utf-8")
    args = ["comparison", "import", str(good), "--programme", str(pid), "--prescriber", str(presc)]
    undeclared = runner.invoke(main, [*args, "--confirm"])
    assert undeclared.exit_code == 1 and "no_comparison_group" in undeclared.output
    declared = runner.invoke(
        main,
        [
            "comparison",
            "declare",
            "--programme",
            str(pid),
            "--kind",
            "liste_attente",
            "--label",
            "Liste d'attente 2026",
        ],
    )
    assert declared.exit_code == 0, declared.output
    dry = runner.invoke(main, args)
    assert dry.exit_code == 0 and "simulation" in dry.output and answers(fresh_engine) == 0
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + GOOD + GOOD.splitlines()[0].replace("2026-02-01", "2026-13-01") + "\n")
    refused = runner.invoke(main, [*args[:2], str(bad), *args[3:], "--confirm"])
    assert refused.exit_code == 1 and "Ligne 4" in refused.output
    assert answers(fresh_engine) == 0
    done = runner.invoke(main, [*args, "--confirm"])
    assert done.exit_code == 0 and "2 réponses" in done.output
    with unit_of_work(fresh_engine) as s:
        assert answers(fresh_engine) == 2
        person = s.scalars(select(Beneficiary)).one()
        assert "attente-001" not in person.pseudonym
