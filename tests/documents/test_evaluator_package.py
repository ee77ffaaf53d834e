"""Data evaluators can merge: every CSV export carries a Frictionless Data Package that
``frictionless`` validates (types, code lists, missing values), and the ``paquet`` format adds
Stata and SPSS files that pyreadstat reads back with their variable and value labels. The
package holds nothing the other formats may not: no pseudonym, no count of 1 to 10 people."""

from __future__ import annotations

import io
import json
import math
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pyreadstat
import pytest
from frictionless import Package, validate

from tests import factories as f
from tests.documents.test_impact_exports import PEOPLE_COLUMNS, crowd_db  # noqa: F401
from voucher.db.engine import unit_of_work
from voucher.domain import outcome, vocab
from voucher.services.evaluation import published
from voucher.services.impact import counts, export, release


@pytest.fixture(scope="module")
def packages(crowd_db):  # noqa: F811
    engine, _world, _ = crowd_db
    files = {}
    with unit_of_work(engine) as s:
        now = datetime(2026, 8, 15, 10, tzinfo=UTC)  # a month and more after the records
        rel = release.publish(s, f.ACTOR, period=release.closed_month(now), now=now)
        report = release.report_for(rel, counts.EVERYTHING)
        for fmt in ("csv", "csv-fr", "paquet", "xlsx", "parquet", "json", "pdf"):
            out = io.BytesIO()
            export.export(s, report, fmt, out, release=rel.number)
            files[fmt] = out.getvalue()
        s.rollback()
    return files


def unzip(blob: bytes, into: Path) -> Path:
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        z.extractall(into)
    return into / "datapackage.json"


@pytest.mark.parametrize("fmt", ["csv", "csv-fr", "paquet"])
def test_the_data_package_validates_with_frictionless(packages, fmt, tmp_path):
    descriptor = unzip(packages[fmt], tmp_path)
    report = validate(str(descriptor))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:10]
    package = Package(str(descriptor))
    names = {r.name for r in package.resources}
    assert {"synthese", "comparaison", "par-tranche-age", "par-mois"} <= names
    # the evaluation's tables of the release, with their code lists
    assert {"autonomie-par-personne", "suivi-apres-seances"} <= names
    meta = json.loads(descriptor.read_text("utf-8"))
    assert meta["version"] == meta["numero_publication"]
    assert int(meta["version"]) >= 1
    assert meta["secret_statistique"]["seuil_personnes"] == 11
    ages = next(r for r in meta["resources"] if r["name"] == "par-tranche-age")
    fields = {x["name"]: x for x in ages["schema"]["fields"]}
    # the national vocabulary's codes, with their labels, enforced by the validator
    assert set(vocab.AGE_BANDS) <= set(fields["tranche_age"]["constraints"]["enum"])
    assert {c["value"] for c in fields["tranche_age"]["categories"]} >= set(vocab.AGE_BANDS)
    assert fields["beneficiaires"]["type"] == "integer"
    assert fields["beneficiaires"]["unit"] == "personne"
    assert fields["valeur_encaissee_centimes"]["unit"] == "centime d'euro"
    assert fields["taux_utilisation"]["type"] == "number"
    autonomy = next(r for r in meta["resources"] if r["name"] == "autonomie-par-personne")
    people = {x["name"]: x for x in autonomy["schema"]["fields"]}
    assert set(outcome.CATEGORIES) <= set(people["resultat_autonomie"]["constraints"]["enum"])
    assert people["beneficiaires"]["unit"] == "personne"
    assert "dispositif" in people["beneficiaires"]["description"]
    follow = next(r for r in meta["resources"] if r["name"] == "suivi-apres-seances")
    answers = {x["name"]: x for x in follow["schema"]["fields"]}
    assert set(vocab.FOLLOW_UP) <= set(answers["reponse_suivi"]["constraints"]["enum"])
    # the adjusted comparisons frozen with the release, with their codebook
    estimates = next(r for r in meta["resources"] if r["name"] == "evaluation")
    columns = {x["name"]: x for x in estimates["schema"]["fields"]}
    assert "completion_by_public" in columns["analyse"]["constraints"]["enum"]
    assert columns["ecart_ic95_bas"]["type"] == "number"
    assert {c["value"] for c in columns["methode"]["categories"]} == set(published.METHODS)
    if fmt == "csv-fr":
        assert ages["dialect"]["delimiter"] == ";"
        assert fields["taux_utilisation"]["decimalChar"] == ","


def test_a_code_outside_the_list_fails_validation(packages, tmp_path):
    """The code lists are really checked: a tampered file is caught."""
    descriptor = unzip(packages["csv"], tmp_path)
    path = tmp_path / "par_tranche_age.csv"
    text = path.read_text("utf-8").replace("soixante_dix_plus", "septuagenaires", 1)
    path.write_text(text, "utf-8")
    report = validate(str(descriptor))
    assert not report.valid
    assert "constraint-error" in {row[0] for row in report.flatten(["type"])}


def test_stata_and_spss_files_read_back_with_their_labels(packages, tmp_path):
    unzip(packages["paquet"], tmp_path)
    for kind, reader in (("stata", pyreadstat.read_dta), ("spss", pyreadstat.read_sav)):
        df, meta = reader(
            str(tmp_path / kind / f"par_tranche_age.{'dta' if kind == 'stata' else 'sav'}")
        )
        labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
        assert labels["beneficiaires"] == "Personnes distinctes ayant reçu au moins un carnet."
        assert "tranche_age" in meta.variable_value_labels
        codes = meta.variable_value_labels["tranche_age"]
        # value labels are the national codes: decoding gives back a code to merge on
        assert set(vocab.AGE_BANDS) <= set(codes.values())
        decoded = {codes[v] for v in df["tranche_age"].dropna()}
        assert "soixante_dix_plus" in decoded and "ensemble" in decoded
        zone = meta.variable_value_labels["type_zone"]
        assert {"rural", "urbain", "ensemble"} <= set(zone.values())
        # a masked figure is missing, never zero; no count of people from 1 to 10
        masked = df[df["masque"].map(meta.variable_value_labels["masque"]) == "oui"]
        assert len(masked) >= 4 and masked["beneficiaires"].isna().all()
        for column in PEOPLE_COLUMNS & set(df.columns):
            for value in df[column].dropna():
                assert value == 0 or value >= 11, (kind, column, value)
    # the evaluation's table: its codes and labels, people counts 0 or 11 and more
    for kind, reader in (("stata", pyreadstat.read_dta), ("spss", pyreadstat.read_sav)):
        df, meta = reader(
            str(tmp_path / kind / f"autonomie_par_personne.{'dta' if kind == 'stata' else 'sav'}")
        )
        codes = meta.variable_value_labels["resultat_autonomie"]
        assert set(outcome.CATEGORIES) <= set(codes.values())
        decoded = {codes[v] for v in df["resultat_autonomie"].dropna()}
        assert {"progres", "ensemble"} <= decoded
        labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
        assert labels["beneficiaires"].startswith("Personnes distinctes")
        assert all(v == 0 or v >= 11 for v in df["beneficiaires"].dropna())
        assert df["beneficiaires"].isna().any()  # the small groups are masked
    for kind, reader in (("stata", pyreadstat.read_dta), ("spss", pyreadstat.read_sav)):
        df, meta = reader(
            str(tmp_path / kind / f"evaluation.{'dta' if kind == 'stata' else 'sav'}")
        )
        codes = meta.variable_value_labels["analyse"]
        decoded = {codes[v] for v in df["analyse"]}
        assert {"by_sessions", "completion_by_public"} <= decoded
        labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
        assert labels["ecart"].startswith("Écart estimé")
        # a withheld estimate keeps no count: n is missing wherever it is masked
        masked = df[df["masque"].map(meta.variable_value_labels["masque"]) == "oui"]
        assert masked["ecart"].isna().all()
    # Stata names fit in 32 characters and say where they came from
    df, meta = pyreadstat.read_dta(str(tmp_path / "stata" / "synthese.dta"))
    assert all(len(c) <= 32 for c in meta.column_names)
    labels = dict(zip(meta.column_names, meta.column_labels, strict=True))
    short = "delai_1re_seance_mediane_jours"
    assert short in labels and labels[short].startswith("delai_premiere_seance_mediane_jours")


def test_the_package_leaks_no_pseudonym_or_local_reference(packages, crowd_db, tmp_path):  # noqa: F811
    _engine, world, pseudonyms = crowd_db
    unzip(packages["paquet"], tmp_path)
    texts = []
    for path in tmp_path.rglob("*"):
        if path.suffix in (".dta", ".sav"):
            df, _ = (pyreadstat.read_dta if path.suffix == ".dta" else pyreadstat.read_sav)(
                str(path)
            )
            texts.append(df.to_csv())
        if path.is_file():
            texts.append(path.read_bytes().decode("utf-8", "replace"))
    text = "\n".join(texts)
    for secret in [*pseudonyms, *world.local_refs]:
        assert secret not in text


def test_masked_cells_are_empty_not_zero_in_every_csv_of_the_package(packages, tmp_path):
    unzip(packages["paquet"], tmp_path)
    package = Package(str(tmp_path / "datapackage.json"))
    rows = package.get_resource("par-tranche-age").read_rows()
    masked = [r for r in rows if r["masque"] == "oui"]
    assert masked and all(r["beneficiaires"] is None for r in masked)
    assert not any(
        isinstance(r["beneficiaires"], float) and math.isnan(r["beneficiaires"]) for r in rows
    )


def test_every_format_of_the_release_carries_the_evaluation(packages):
    """XLSX, Parquet, JSON and the PDF report hold the same evaluation as the package: the
    two people tables and the frozen estimates, with no people count of 1 to 10."""
    import pyarrow.parquet as pq
    from openpyxl import load_workbook

    wanted = {"autonomie_par_personne", "suivi_apres_seances", "evaluation"}
    book = load_workbook(io.BytesIO(packages["xlsx"]), read_only=True)
    assert wanted <= set(book.sheetnames)
    rows = pq.read_table(io.BytesIO(packages["parquet"])).to_pylist()
    # stacked rows: this world answered no follow-up, so that table has no row to stack
    assert wanted - {"suivi_apres_seances"} <= {r["tableau"] for r in rows}
    people = [r for r in rows if r["tableau"] == "autonomie_par_personne"]
    assert {r["resultat_autonomie"] for r in people} >= {"progres", "ensemble"}
    assert all(r["beneficiaires"] in (None, 0) or r["beneficiaires"] >= 11 for r in people)
    doc = json.loads(packages["json"])
    estimates = next(t for t in doc["tableaux"] if t["nom"] == "evaluation")
    lines = {r["analyse"]: r for r in estimates["lignes"]}
    assert lines["completion_by_public"]["methode"] == "regression_logistique"
    for line in lines.values():
        assert line["ecart"] is None or line["conclusion"]
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(packages["pdf"])
    text = "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    assert "Carnets terminés" in text and "Plan d'évaluation" in text
