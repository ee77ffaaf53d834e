"""``voucher communes check``: commune codes recorded before the COG check are reported to
the operator (counts only), never silently turned into a zone of their own."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import select, update

from tests import factories as f
from voucher.cli.main import main
from voucher.db.engine import unit_of_work
from voucher.db.models import Beneficiary, CommuneCentre
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


def test_a_density_grid_is_copied_onto_pilot_zones_with_its_year(
    fresh_engine, tmp_path, monkeypatch
):
    """The 2025 seven-level grid classes the village of Adriers (level 6) as rural; an
    older four-level grid loaded afterwards does not rewrite it; a hand-out there copies
    the class and the grid's year."""
    from pathlib import Path

    from voucher.db.models import PilotZoneCommune
    from voucher.services.organisations import directory
    from voucher.services.programmes import zones

    monkeypatch.setenv("DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("VOUCHER_INSTANCE", str(tmp_path))
    files = Path(__file__).parents[1] / "domain" / "files"
    runner = CliRunner()
    with unit_of_work(fresh_engine) as s:
        w = f.world(s)
        zones.create_zone(
            s,
            f.ACTOR,
            name="Sud Vienne",
            kind="rural",
            communes=[("86001", None, None), ("86165", None, None), ("86999", None, None)],
        )
    seven = str(files / "grille_densite_7_niveaux_2025.xlsx")
    dry = runner.invoke(main, ["communes", "density", seven])
    assert dry.exit_code == 0 and "simulation" in dry.output
    done = runner.invoke(main, ["communes", "density", seven, "--confirm"])
    assert done.exit_code == 0, done.output
    said = " ".join(done.output.split())
    assert "7 niveaux (2025) : 2 commune(s)" in said and "1 absente(s)" in said
    older = runner.invoke(
        main,
        ["communes", "density", str(files / "grille_densite_4_niveaux_2021.xlsx"), "--confirm"],
    )
    assert "1 gardée(s)" in " ".join(older.output.split())  # Montmorillon: 2025 kept
    with unit_of_work(fresh_engine) as s:
        rows = {r.insee_code: r for r in s.scalars(select(PilotZoneCommune))}
        assert (
            rows["86001"].density_class,
            rows["86001"].density_level,
            rows["86001"].density_levels,
            rows["86001"].density_year,
        ) == (3, 6, 7, 2025)
        assert (rows["86165"].density_class, rows["86165"].density_level) == (
            2,
            4,
        )  # petites villes
        dens, year = directory.density_of(s, "86001")
        person = handout.find_or_create_beneficiary(
            s,
            w.prescriber.id,
            f.profile("r-2", commune_insee="86001", density_class=dens, density_year=year),
            f.KEY,
        )
        assert (person.zone_kind, person.density_year) == ("rural", 2025)
    unreadable = runner.invoke(
        main,
        [
            "communes",
            "density",
            seven,
            "--niveaux",
            "4",
            "--confirm",
        ],
    )
    assert unreadable.exit_code == 1 and "density_grid_unreadable" in unreadable.output


def test_commune_centres_are_simulated_then_recorded(fresh_engine, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("VOUCHER_INSTANCE", str(tmp_path))
    source = tmp_path / "communes-france.csv"
    source.write_text(
        "code_insee,nom_standard,latitude_centre,longitude_centre\n"
        "86174,Naintré,46.7636,0.4856\n86000,Poitiers (code postal),46.58,0.34\n"
        "86194,Poitiers,,\n",
        encoding="utf-8",
    )
    runner = CliRunner()
    dry = runner.invoke(main, ["communes", "centres", str(source)])
    assert dry.exit_code == 0 and "1 centre(s) de commune" in dry.output
    assert "1 hors du COG" in dry.output and "1 ligne(s) sans code" in dry.output
    with unit_of_work(fresh_engine) as s:
        assert s.scalars(select(CommuneCentre)).all() == []
    done = runner.invoke(main, ["communes", "centres", str(source), "--confirm"])
    assert done.exit_code == 0, done.output
    with unit_of_work(fresh_engine) as s:
        rows = s.execute(select(CommuneCentre.code, CommuneCentre.source)).all()
    assert rows == [("86174", "communes-france.csv")]
