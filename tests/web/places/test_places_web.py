"""A place's self-service and the operator's review through the web (Flask test client,
both databases): sign-up from the SIRENE extract, field-level errors, each step, an
upload, a correction asked, validation granting the label."""

from __future__ import annotations

import io

from tests.services.places import place_world as pw
from tests.web.workspace_world import login, post, text
from voucher.db.engine import unit_of_work

SERVICES = ["Aide aux démarches administratives", "Loisirs et créations numériques"]


def signup(client, siret=pw.POITIERS, email="lieu@exemple.test"):
    return post(
        client,
        "/lieu/inscription",
        {
            "siret": siret,
            "name": "Awa Diallo",
            "email": email,
            "password": "motdepasse-lieu",
            "password_again": "motdepasse-lieu",
        },
    )


def load(app):
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        pw.load_extract(s)


def fill(client):
    page = client.get("/lieu/")
    ids = [int(x.split('"')[0]) for x in text(page).split('name="q')[1:] if x[0].isdigit()]
    answers = {f"q{i}": "oui" for i in sorted(set(ids))}
    assert (
        post(
            client,
            "/lieu/questionnaire",
            {"legal_form": "association", **answers},
            form_page="/lieu/",
        ).status_code
        == 303
    )
    assert (
        post(
            client,
            "/lieu/services",
            {"services": SERVICES, "summary": "Ateliers"},
            form_page="/lieu/",
        ).status_code
        == 303
    )
    site = {
        "site_name": "Cyber-base",
        "street_number": "12",
        "street": "rue des Écoles",
        "postcode": "86000",
        "town": "Poitiers",
        "commune_insee": "86194",
        "hours": "Mo-Fr 09:00-12:00",
        "accessibility": ["fauteuil", "falc"],
    }
    assert post(client, "/lieu/lieux", site, form_page="/lieu/").status_code == 303
    for kind in ("statuts", "rib", "rna"):
        done = post(
            client,
            "/lieu/documents",
            {"kind": kind, "file": (io.BytesIO(pw.PDF), f"{kind}.pdf")},
            form_page="/lieu/",
            content_type="multipart/form-data",
        )
        assert done.status_code == 303, text(done)[:400]


def test_signup_shows_field_errors_and_keeps_nothing(client, world, app):
    load(app)
    refused = post(
        client,
        "/lieu/inscription",
        {
            "siret": "123",
            "name": "A",
            "email": "a@b.test",
            "password": "p" * 12,
            "password_again": "p" * 12,
        },
    )
    body = text(refused)
    assert refused.status_code == 422
    assert 'class="error-summary"' in body and 'href="#siret"' in body
    assert 'id="siret"' in body and 'aria-invalid="true"' in body and "SIRET invalide" in body
    assert signup(client, siret=pw.CLOSED).status_code == 422


def test_a_place_joins_is_sent_back_then_validated(client, world, app):
    load(app)
    assert signup(client).status_code == 303
    assert "CYBER BASE DU CLAIN" in text(client.get("/lieu/"))
    bad_hours = post(
        client,
        "/lieu/lieux",
        {
            "site_name": "X",
            "street": "rue A",
            "postcode": "86000",
            "town": "P",
            "hours": "lundi matin",
        },
        form_page="/lieu/",
    )
    assert bad_hours.status_code == 422 and 'aria-invalid="true"' in text(bad_hours)
    fill(client)
    assert post(client, "/lieu/envoyer", form_page="/lieu/").status_code == 303
    assert "en cours d&#39;examen" in text(client.get("/lieu/"))

    login(client, world.emails["admin"])
    queue = text(client.get("/lieu/revue"))
    assert "CYBER BASE DU CLAIN" in queue
    org_id = int(queue.split("/lieu/revue/")[1].split('"')[0])
    page = text(client.get(f"/lieu/revue/{org_id}"))
    doc_ids = sorted({int(x.split('"')[0]) for x in page.split("/lieu/revue/documents/")[1:]})
    review = f"/lieu/revue/{org_id}"
    no_note = post(
        client, f"/lieu/revue/documents/{doc_ids[1]}", {"decision": "corriger"}, form_page=review
    )
    assert no_note.status_code == 422
    assert (
        post(
            client,
            f"/lieu/revue/documents/{doc_ids[1]}",
            {"decision": "corriger", "note": "RIB illisible"},
            form_page=review,
        ).status_code
        == 303
    )
    assert (
        post(
            client,
            f"{review}/decision",
            {"decision": "corriger", "note": "Renvoyez le RIB"},
            form_page=review,
        ).status_code
        == 303
    )

    login(client, "lieu@exemple.test", "motdepasse-lieu")
    mine = text(client.get("/lieu/"))
    assert "Renvoyez le RIB" in mine and "RIB illisible" in mine
    assert (
        post(
            client,
            "/lieu/documents",
            {"kind": "rib", "file": (io.BytesIO(pw.PNG), "rib.png")},
            form_page="/lieu/",
            content_type="multipart/form-data",
        ).status_code
        == 303
    )
    assert post(client, "/lieu/envoyer", form_page="/lieu/").status_code == 303

    login(client, world.emails["admin"])
    page = text(client.get(review))
    for doc_id in sorted({int(x.split('"')[0]) for x in page.split("/lieu/revue/documents/")[1:]}):
        post(client, f"/lieu/revue/documents/{doc_id}", {"decision": "valider"}, form_page=review)
    assert (
        post(client, f"{review}/decision", {"decision": "valider"}, form_page=review).status_code
        == 303
    )
    login(client, "lieu@exemple.test", "motdepasse-lieu")
    assert "label valable jusqu" in text(client.get("/lieu/"))


def test_the_regie_attestation_is_a_pdf_for_the_place_itself(client, world, app):
    load(app)
    assert signup(client).status_code == 303
    got = client.get("/lieu/attestation.pdf?du=2026-01-01&au=2026-12-31")
    assert got.status_code == 200 and got.data.startswith(b"%PDF-")
    assert got.headers["Cache-Control"] == "no-store"
    assert client.get("/lieu/attestation.pdf?du=2026-12-31&au=2026-01-01").status_code == 422
    assert client.get("/lieu/attestation.pdf?du=hier&au=2026-01-01").status_code == 422
    login(client, world.emails["admin_a"])  # a prescriber's administrator: not a place
    assert client.get("/lieu/attestation.pdf?du=2026-01-01&au=2026-12-31").status_code == 404


def test_the_help_page_is_public_and_lists_what_a_place_needs(client, world):
    page = client.get("/lieu/aide")
    body = text(page)
    assert page.status_code == 200
    assert "Extrait Kbis" in body and "Mo-Fr 09:00-12:00" in body and "upload_type" in body
    assert "/lieu/aide" in text(client.get("/aide/"))
