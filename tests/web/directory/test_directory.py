"""The public directory answers a commune search without sign-in; its export validates
against the national TableSchema with frictionless; the carnet's letter lists the nearest
places for the beneficiary's commune (each with its distance from the commune's centre when
both positions are known), for the prescriber who handed it out only."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from frictionless import Resource, Schema, validate
from sqlalchemy import select

from tests import factories as f
from tests.services.places import place_world as pw
from tests.web.workspace_world import login, text
from voucher.db.engine import unit_of_work
from voucher.db.models import PlaceSite
from voucher.domain import geo
from voucher.services.issuance import handout
from voucher.services.organisations import (
    commune_centres,
    documents,
    organisations,
    qualification,
)

SCHEMA = (
    Path(__file__).resolve().parents[3] / "schemas" / "lieux-de-mediation-numerique.schema.json"
)


def validated(s, store, siret, email, town, postcode, insee, site_name):
    org, _ = qualification.register_place(
        s, f.ACTOR, siret=siret, email=email, name="Awa", password="x" * 12
    )
    qs = qualification.questions(s)
    qualification.save_questionnaire(
        s,
        f.ACTOR,
        org.id,
        legal_form="public",
        answers={q.id: "oui" for q in qs},
        phone="05 49 00 00 00",
    )
    qualification.save_services(
        s, f.ACTOR, org.id, chosen=["Aide aux démarches administratives"], summary="Ateliers"
    )
    qualification.add_site(
        s,
        f.ACTOR,
        org.id,
        name=site_name,
        address=organisations.Address("3", "place de la Mairie", postcode, town),
        commune_insee=insee,
        hours="Tu-Sa 10:00-12:30,14:00-18:00",
        hours_text="Sur rendez-vous le mardi",
        accessibility=["fauteuil", "malentendant"],
    )
    for kind in ("regie", "rib"):
        documents.upload(s, f.ACTOR, store, org.id, kind=kind, filename=f"{kind}.pdf", data=pw.PDF)
    qualification.submit(s, f.ACTOR, org.id)
    for doc in documents.of_organisation(s, org.id):
        documents.decide(s, f.SECOND, doc.id, validate=True)
    qualification.decide(s, f.SECOND, org.id, validate=True)
    return org


@pytest.fixture
def places_world(app, world, tmp_path):
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        pw.load_extract(s)
        validated(
            s,
            tmp_path,
            pw.CHATELLERAULT,
            "m@ch.test",
            "Châtellerault",
            "86100",
            "86066",
            "Médiathèque",
        )
        validated(
            s,
            tmp_path,
            pw.POITIERS,
            "c@po.test",
            "Poitiers",
            "86000",
            "86194",
            "Cyber-base du Clain",
        )
        qualification.register_place(  # never validated: not in the directory
            s, f.ACTOR, siret=pw.LYON, email="l@ly.test", name="L", password="x" * 12
        )
    return world


def test_a_commune_search_needs_no_sign_in(client, places_world):
    page = client.get("/ou-utiliser-mon-pass?commune=chatellerault")
    body = text(page)
    assert page.status_code == 200 and "public" in page.headers["Cache-Control"]
    assert page.mimetype == "text/html"
    assert "Médiathèque" in body and "3 place de la Mairie" in body
    assert "mardi au samedi : 10 h 00 – 12 h 30, 14 h 00 – 18 h 00" in body
    assert "Aide aux démarches administratives" in body and "Accessible en fauteuil roulant" in body
    assert "Pass A" in body and "Cyber-base" not in body
    by_postcode = text(client.get("/ou-utiliser-mon-pass?commune=860"))
    assert "Médiathèque" in by_postcode and "Cyber-base du Clain" in by_postcode
    assert "FABRIQUE" not in by_postcode
    assert "Aucun lieu trouvé" in text(client.get("/ou-utiliser-mon-pass?commune=Lyon"))


def test_the_export_validates_against_the_national_schema(app, client, places_world, tmp_path):
    with unit_of_work(app.extensions["voucher.engine"]) as s:  # one place's position is known
        site = s.scalars(select(PlaceSite).where(PlaceSite.name == "Médiathèque")).one()
        site.latitude, site.longitude = SITES[site.name]
    got = client.get("/ou-utiliser-mon-pass/lieux.csv")
    assert got.status_code == 200
    path = tmp_path / "lieux.csv"
    path.write_bytes(got.data)
    rows = list(csv.DictReader(io.StringIO(got.data.decode())))
    assert {r["nom"] for r in rows} == {"Médiathèque", "Cyber-base du Clain"}
    assert rows[0]["telephone"] == "+33549000000"
    by_name = {r["nom"]: r for r in rows}
    lat, lon = SITES["Médiathèque"]
    assert (
        float(by_name["Médiathèque"]["latitude"]),
        float(by_name["Médiathèque"]["longitude"]),
    ) == (
        round(lat, 6),
        round(lon, 6),
    )
    assert by_name["Cyber-base du Clain"]["latitude"] == ""  # not known: left empty
    schema = Schema.from_descriptor(json.loads(SCHEMA.read_text(encoding="utf-8")))
    report = validate(Resource(path=path.name, basepath=str(tmp_path), schema=schema))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    bad = tmp_path / "bad.csv"
    bad.write_text(got.data.decode().replace("Aide aux démarches administratives", "Cuisine"))
    assert not validate(Resource(path=bad.name, basepath=str(tmp_path), schema=schema)).valid


def test_the_letter_lists_the_nearest_places_for_the_prescriber_who_handed_out(
    app, client, places_world
):
    w = places_world
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        handout.hand_out(
            s,
            f.ACTOR,
            serial=w.first_serial_a,
            prescriber_id=w.prescriber_a,
            profile=f.profile("dossier-lettre", commune_insee="86066"),
            key=b"test-key",
        )
    login(client, w.emails["prescriber_a"])
    page = client.get(f"/prescripteur/carnets/{w.first_serial_a}/lettre")
    body = text(page)
    assert page.status_code == 200 and "Votre carnet de pass numériques" in body
    assert body.index("Médiathèque") < body.index("Cyber-base du Clain")
    assert "du centre de votre commune" not in body  # no centre loaded: no distance told
    assert client.get(f"/prescripteur/carnets/{w.first_serial_a + 1}/lettre").status_code == 404
    login(client, w.emails["prescriber_b"])
    assert client.get(f"/prescripteur/carnets/{w.first_serial_a}/lettre").status_code == 404


NAINTRE = ("86174", 46.7636, 0.4856)  # between Châtellerault and Poitiers, nearer the first
SITES = {"Médiathèque": (46.8170, 0.5460), "Cyber-base du Clain": (46.5805, 0.3400)}


def test_the_letter_tells_each_place_its_distance_from_the_persons_commune(
    app, client, places_world, tmp_path
):
    """Naintré's postcode sorts Poitiers first; the distances put Châtellerault first, and
    each place says how far it is from the centre of the person's commune."""
    w = places_world
    centres = tmp_path / "communes.csv"
    centres.write_text(
        "code_insee;nom_standard;latitude_centre;longitude_centre\n"
        f"{NAINTRE[0]};Naintré;{NAINTRE[1]};{NAINTRE[2]}\n",
        encoding="utf-8",
    )
    rows, skipped = geo.read_centres(centres.read_bytes())
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        assert commune_centres.load(s, f.ACTOR, rows, centres.name).stored == 1 and not skipped
        for site in s.scalars(select(PlaceSite)):
            site.latitude, site.longitude = SITES[site.name]
        handout.hand_out(
            s,
            f.ACTOR,
            serial=w.first_serial_a,
            prescriber_id=w.prescriber_a,
            profile=f.profile("dossier-naintre", commune_insee=NAINTRE[0]),
            key=b"test-key",
        )
    login(client, w.emails["prescriber_a"])
    body = text(client.get(f"/prescripteur/carnets/{w.first_serial_a}/lettre"))
    near, far = (geo.distance_km(NAINTRE[1:], SITES[n]) for n in SITES)
    assert 6 < near < 10 and 18 < far < 26
    said = [f"À {geo.km_fr(km)} du centre de votre commune (à vol d'oiseau)" for km in (near, far)]
    at = [body.index(x) for x in ("Médiathèque", said[0], "Cyber-base du Clain", said[1])]
    assert at == sorted(at), body  # nearest first, each with its distance
    # address and opening hours beside the distance
    assert "3 place de la Mairie" in body and "10 h 00 – 12 h 30" in body
