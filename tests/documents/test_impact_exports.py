"""Impact exports in every format, searched for anything that could identify a person:
the beneficiaries' pseudonyms, the prescribers' local references, and any count of people
below the threshold. Plus the formats themselves: Excel CSV (BOM, ``;``, decimal comma),
XLSX with its README sheet, Parquet read back by pyarrow, a PDF that renders (its pages are
kept as PNG artefacts in ``build/test-artefacts/``)."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from itertools import zip_longest
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests import factories as f
from tests.impact_world import crowd
from voucher.db.engine import unit_of_work
from voucher.db.models import Beneficiary
from voucher.documents.impact import datapackage
from voucher.domain.errors import DomainError
from voucher.services.access import people
from voucher.services.impact import counts, export, grants, research

ARTEFACTS = Path(__file__).resolve().parents[2] / "build" / "test-artefacts"
PEOPLE_COLUMNS = {
    "beneficiaires",
    "carnets_remis",
    "carnets_commences",
    "carnets_termines",
    "autonomie_evaluables",
    "autonomie_progression",
    "rural_effectif",
    "urbain_effectif",
}
FORMATS = ("csv", "csv-fr", "xlsx", "parquet", "json", "pdf")


@pytest.fixture(scope="module")
def crowd_db(databases):
    engine = databases.engine()
    with unit_of_work(engine) as s:
        world = crowd(s)
        pseudonyms = list(s.scalars(select(Beneficiary.pseudonym)))
    return engine, world, pseudonyms


@pytest.fixture(scope="module")
def exports(crowd_db):
    engine, _world, _ = crowd_db
    files = {}
    with unit_of_work(engine) as s:
        for fmt in FORMATS:
            out = io.BytesIO()
            export.export(s, export.build_report(s, counts.EVERYTHING), fmt, out, release=1)
            files[fmt] = out.getvalue()
        s.rollback()
    return files


def csv_tables(blob: bytes, french: bool) -> dict[str, list[dict[str, str]]]:
    with zipfile.ZipFile(io.BytesIO(blob)) as z:
        return {
            name[:-4]: list(
                csv.DictReader(
                    io.StringIO(z.read(name).decode("utf-8-sig")), delimiter=";" if french else ","
                )
            )
            for name in z.namelist()
            if name.endswith(".csv")
        }


def number(text: str | None) -> float | None:
    if text in (None, ""):
        return None
    return float(str(text).replace(",", "."))


def all_text(fmt: str, blob: bytes) -> str:
    if fmt in ("csv", "csv-fr", "xlsx"):
        with zipfile.ZipFile(io.BytesIO(blob)) as z:
            return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    if fmt == "parquet":
        table = pq.read_table(io.BytesIO(blob))
        meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
        return json.dumps(table.to_pylist(), ensure_ascii=False) + json.dumps(
            meta, ensure_ascii=False
        )
    if fmt == "pdf":
        import pypdfium2 as pdfium

        pdf = pdfium.PdfDocument(blob)
        return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))
    return blob.decode("utf-8")


def people_rows(fmt: str, blob: bytes) -> list[dict[str, object]]:
    if fmt in ("csv", "csv-fr"):
        return [r for rows in csv_tables(blob, fmt == "csv-fr").values() for r in rows]
    if fmt == "json":
        return [r for t in json.loads(blob)["tableaux"] for r in t["lignes"]]
    if fmt == "parquet":
        return pq.read_table(io.BytesIO(blob)).to_pylist()
    book = load_workbook(io.BytesIO(blob), read_only=True)
    rows = []
    for ws in book.worksheets[1:]:
        values = list(ws.iter_rows(values_only=True))
        rows += [
            dict(zip_longest(values[0], v)) for v in values[1:]
        ]  # trailing empty cells are dropped
    return rows


@pytest.mark.parametrize("fmt", FORMATS)
def test_no_pseudonym_and_no_local_reference_leaves_in_any_format(exports, crowd_db, fmt):
    _engine, world, pseudonyms = crowd_db
    text = all_text(fmt, exports[fmt])
    assert len(pseudonyms) == 47
    for secret in [*pseudonyms, *world.local_refs]:
        assert secret not in text
        assert secret[:16] not in text


@pytest.mark.parametrize("fmt", [f for f in FORMATS if f != "pdf"])
def test_no_count_of_people_below_the_threshold_in_any_format(exports, fmt):
    rows = people_rows(fmt, exports[fmt])
    seen_masked = seen_visible = False
    for row in rows:
        for column in PEOPLE_COLUMNS & set(row):
            value = number(row[column])  # type: ignore[arg-type]
            if value is None:
                seen_masked = True
                continue
            seen_visible = seen_visible or value >= 11
            assert value == 0 or value >= 11, (fmt, column, row)
        remis, started = number(row.get("carnets_remis")), number(row.get("carnets_commences"))  # type: ignore[arg-type]
        if remis is not None and started is not None:
            assert not 0 < remis - started < 11, row  # "did not start" would be a small group
    assert seen_masked and seen_visible


def test_the_tiny_group_of_urban_seniors_is_masked_with_its_complements(exports):
    ages = csv_tables(exports["csv"], french=False)["par_tranche_age"]
    tiny = [
        r for r in ages if r["tranche_age"] == "soixante_dix_plus" and r["type_zone"] == "urbain"
    ]
    assert tiny and tiny[0]["masque"] == "oui" and tiny[0]["beneficiaires"] == ""
    masked = [r for r in ages if r["masque"] == "oui"]
    assert len(masked) >= 4  # the small cell plus enough others that no total reveals it


def test_french_excel_csv_has_bom_semicolons_and_decimal_commas(exports):
    with zipfile.ZipFile(io.BytesIO(exports["csv-fr"])) as z:
        raw = z.read("par_tranche_age.csv")
        readme = z.read("LISEZMOI.txt").decode("utf-8-sig")
    assert raw.startswith(b"\xef\xbb\xbf")
    header, *lines = raw.decode("utf-8-sig").splitlines()
    assert header.startswith("tranche_age;libelle;type_zone;masque;beneficiaires;")
    cells = [cell for line in lines for cell in line.split(";")]
    assert any("," in cell and cell.replace(",", "").isdigit() for cell in cells)  # e.g. 0,4802
    assert not any("." in cell and cell.replace(".", "").isdigit() for cell in cells)
    assert "Secret statistique" in readme and "beneficiaires" in readme
    with zipfile.ZipFile(io.BytesIO(exports["csv"])) as z:
        open_raw = z.read("par_tranche_age.csv")
    assert not open_raw.startswith(b"\xef\xbb\xbf") and b";" not in open_raw.splitlines()[0]


def test_xlsx_opens_with_a_readme_sheet_describing_columns_and_the_rule(exports):
    book = load_workbook(io.BytesIO(exports["xlsx"]), read_only=True)
    assert book.sheetnames[0] == "LISEZMOI"
    assert {"synthese", "comparaison", "par_tranche_age", "par_mois", "par_lieu"} <= set(
        book.sheetnames
    )
    readme = "\n".join(
        str(c) for row in book["LISEZMOI"].iter_rows(values_only=True) for c in row if c
    )
    assert "Secret statistique" in readme and "de 1 à 10 personnes" in readme
    assert "part_progression_autonomie" in readme and "Wilson" in readme
    header = next(book["par_tranche_age"].iter_rows(values_only=True))
    assert header[:4] == ("tranche_age", "libelle", "type_zone", "masque")


def test_parquet_reads_back_with_its_note_and_national_codes(exports):
    table = pq.read_table(io.BytesIO(exports["parquet"]))
    meta = table.schema.metadata
    assert b"Secret statistique" in meta[b"note"] and meta[b"seuil_secret"] == b"11"
    rows = table.to_pylist()
    ages = {r["tranche_age"] for r in rows if r["tableau"] == "par_tranche_age"}
    assert {"vingt_cinq_trente_neuf", "soixante_dix_plus", "ensemble"} <= ages
    assert table.schema.field("beneficiaires").type == "int64"


def test_json_carries_the_note_and_the_comparison(exports):
    doc = json.loads(exports["json"])
    assert doc["note"].startswith("Secret statistique")
    comparison = next(t for t in doc["tableaux"] if t["nom"] == "comparaison")
    assert {r["indicateur"] for r in comparison["lignes"]} >= {
        "carnets_commences",
        "delai_premiere_seance",
    }


def test_pdf_renders_in_french_and_pages_are_kept_as_artefacts(exports):
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(exports["pdf"])
    assert 2 <= len(pdf) <= 8
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    for i in range(len(pdf)):
        image = pdf[i].render(scale=1.0).to_pil()
        assert image.getbbox() is not None
        image.save(ARTEFACTS / f"impact-report-page{i + 1}.png")
    text = all_text("pdf", exports["pdf"])
    assert (
        "Chiffres clés" in text
        and "Rural et urbain" in text
        and "Méthode" in text
        and "Limites" in text
    )


def test_a_threshold_below_eleven_is_refused_for_every_export(crowd_db):
    engine, _, _ = crowd_db
    with unit_of_work(engine) as s:
        with pytest.raises(DomainError) as exc:
            export.export(
                s,
                export.build_report(s, counts.EVERYTHING, 10),
                "csv",
                io.BytesIO(),
                release=1,
            )
        assert exc.value.code == "threshold_too_low"
        s.rollback()


def test_research_extract_needs_the_role_and_a_grant_and_rekeys_every_time(crowd_db):
    engine, world, pseudonyms = crowd_db
    with unit_of_work(engine) as s:
        from datetime import date

        from voucher.services.context import Actor

        evaluator = people.create_user(
            s,
            f.ACTOR,
            email="chercheuse@test.fr",
            name="C",
            password="x" * 12,
            grants=[(world.world.prescriber.id, "evaluator")],
        )
        actor = Actor(label="chercheuse", user_id=evaluator.id, role="evaluator")
        with pytest.raises(DomainError) as exc:
            research.extract(s, actor, counts.EVERYTHING, None)
        assert exc.value.code == "research_not_granted"
        grants.grant(
            s,
            f.ACTOR,
            email="chercheuse@test.fr",
            programme_id=world.world.programme.id,
            valid_until=date(2099, 1, 1),
            reason="Convention d'évaluation n° 12",
        )
        with pytest.raises(DomainError):  # the grant covers one programme, not another
            research.extract(s, actor, counts.EVERYTHING, world.world.programme.id + 1000)
        keys = []
        for _ in range(2):
            result = research.extract(s, actor, counts.EVERYTHING, world.world.programme.id)
            out = io.BytesIO()
            from voucher.documents.impact.writers import write

            write(result.bundle, "csv", out)
            text = all_text("csv", out.getvalue())
            assert not any(p in text or p[:16] in text for p in pseudonyms)
            assert not any(ref in text for ref in world.local_refs)
            rows = csv_tables(out.getvalue(), french=False)["seances"]
            assert len(rows) == result.rows > 0
            keys.append({r["beneficiaire"] for r in rows})
        assert result.people + result.suppressed == 47
        assert len(keys[0]) == result.people and not keys[0] & keys[1]  # re-keyed each time
        s.rollback()


@pytest.mark.parametrize("fmt", ["csv", "csv-fr"])
def test_datapackage_json_is_the_descriptor_as_json_dumps_writes_it(exports, crowd_db, fmt):
    """Its fields are written in from text encoded once per process: the file must stay
    exactly ``json.dumps(descriptor(...), ensure_ascii=False, indent=2)``."""
    engine, _world, _ = crowd_db
    with unit_of_work(engine) as s:
        files = export.bundle(export.build_report(s, counts.EVERYTHING))
        s.rollback()
    files.metadata["numero_publication"] = "1"
    french = fmt == "csv-fr"
    expected = json.dumps(
        datapackage.descriptor(files, french=french, release="1"), ensure_ascii=False, indent=2
    )
    assert datapackage.descriptor_bytes(files, french=french).decode("utf-8") == expected
    written = zipfile.ZipFile(io.BytesIO(exports[fmt])).read("datapackage.json")
    assert json.loads(written)["resources"] == json.loads(expected)["resources"]
