"""The prescriber's desk: acknowledge a batch, hand a carnet out with national codes and a
hashed local reference (never stored in clear), follow how far each carnet is used."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy import text as sql

from tests.web.desk.test_desk import scan
from tests.web.workspace_world import login, post, text
from voucher.db.engine import unit_of_work
from voucher.db.models import Batch, Beneficiary, Book

PROFILE = {
    "population": "seniors",
    "age_band": "soixante_dix_plus",
    "social_status": "retraite",
    "commune_insee": "86194",
    "consent": "1",
}


def db(app):
    return unit_of_work(app.extensions["voucher.engine"])


def test_a_prescriber_acknowledges_its_batch_but_not_anothers(app, client, world):
    login(client, world.emails["prescriber_a"])
    page = text(client.get("/prescripteur/"))
    assert (
        f"Confirmer la réception du lot n° {world.batch_a}" in page
        and f"lot n° {world.batch_b}" not in page
    )
    assert (
        post(
            client,
            f"/prescripteur/lots/{world.batch_a}/accuser-reception",
            form_page="/prescripteur/",
        ).status_code
        == 303
    )
    assert (
        post(
            client,
            f"/prescripteur/lots/{world.batch_b}/accuser-reception",
            form_page="/prescripteur/",
        ).status_code
        == 404
    )
    again = post(
        client, f"/prescripteur/lots/{world.batch_a}/accuser-reception", form_page="/prescripteur/"
    )
    assert again.status_code == 409 and "déjà confirmée" in text(again)
    with db(app) as s:
        assert s.get(Batch, world.batch_a).acknowledged_at is not None
        assert s.get(Batch, world.batch_b).acknowledged_at is None


def test_the_hand_out_form_says_the_reference_is_hashed_and_never_stored(app, client, world):
    login(client, world.emails["prescriber_a"])
    page = text(client.get("/prescripteur/remettre"))
    assert "jamais enregistrée en clair" in page and "Ne saisissez ni nom" in page
    assert 'for="population"' in page and 'for="age_band"' in page and 'for="social_status"' in page


def test_a_carnet_is_handed_out_and_the_local_reference_is_stored_only_as_a_hash(
    app, client, world, backend
):
    login(client, world.emails["prescriber_a"])
    reference = "DOSSIER-ZX-4471"
    done = post(
        client,
        "/prescripteur/remettre",
        {"serial": str(world.first_serial_a), "local_reference": reference, **PROFILE},
    )
    assert done.status_code == 303
    assert f"Carnet n° {world.first_serial_a:06d} remis" in text(
        client.get(done.headers["Location"])
    )
    with db(app) as s:
        person = s.scalars(select(Beneficiary)).one()
        assert (person.population, person.age_band, person.commune_insee) == (
            "seniors",
            "soixante_dix_plus",
            "86194",
        )
        assert reference.lower() not in person.pseudonym and len(person.pseudonym) == 64
        book = s.scalars(select(Book).where(Book.serial == world.first_serial_a)).one()
        assert book.beneficiary_id == person.id
        dump = _whole_database_text(s, backend)
        assert reference not in dump and reference.lower() not in dump


def _whole_database_text(s, backend: str) -> str:
    if backend == "postgresql":
        tables = (
            s.execute(sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public'"))
            .scalars()
            .all()
        )
    else:
        tables = (
            s.execute(sql("SELECT name FROM sqlite_master WHERE type = 'table'")).scalars().all()
        )
    return "\n".join(
        str(row) for t in tables for row in s.execute(sql(f'SELECT * FROM "{t}"')).all()
    )


def test_another_organisations_carnet_cannot_be_handed_out(app, client, world):
    login(client, world.emails["prescriber_a"])
    page = post(
        client,
        "/prescripteur/remettre",
        {"serial": str(world.first_serial_b), "local_reference": "x-1", **PROFILE},
    )
    assert page.status_code == 422 and "pas dans le stock de votre organisation" in text(page)
    with db(app) as s:
        assert (
            s.scalars(select(Book.status).where(Book.serial == world.first_serial_b)).one()
            == "in_stock"
        )


def test_a_missing_national_code_is_refused_in_french(app, client, world):
    login(client, world.emails["prescriber_a"])
    page = post(
        client,
        "/prescripteur/remettre",
        {
            "serial": str(world.first_serial_a),
            "local_reference": "x-2",
            **{**PROFILE, "age_band": ""},
        },
    )
    assert page.status_code == 422 and "Champ obligatoire" in text(page)


def test_the_list_shows_how_far_each_carnet_is_used(app, client, world):
    login(client, world.emails["prescriber_a"])
    post(
        client,
        "/prescripteur/remettre",
        {"serial": str(world.first_serial_a), "local_reference": "r-1", **PROFILE},
    )
    login(client, world.emails["reception_a"])
    scan(client, world.codes_a[0], scan_id="scan-usage-0001")
    scan(client, world.codes_a[1], scan_id="scan-usage-0002")
    login(client, world.emails["prescriber_a"])
    page = text(client.get("/prescripteur/carnets"))
    assert f"n° {world.first_serial_a:06d}" in page and "2 / 10" in page and "Seniors" in page
    assert 'aria-label="Chèques utilisés du carnet' in page


def test_the_commune_is_found_by_name_or_postcode_without_javascript(app, client, world):
    login(client, world.emails["prescriber_a"])
    page = text(client.get("/prescripteur/remettre?q=montmorillon"))
    assert '<option value="86165" selected>Montmorillon (86) — 86165</option>' in page
    page = text(client.get("/prescripteur/remettre?q=86000"))
    assert 'value="86194"' in page and "Poitiers" in page
    found = client.get("/prescripteur/communes?q=chatellerault").get_json()
    assert found[0] == {"code": "86066", "label": "Châtellerault (86) — 86066"}


def test_a_postcode_typed_as_commune_is_refused_in_french(app, client, world):
    login(client, world.emails["prescriber_a"])
    page = post(
        client,
        "/prescripteur/remettre",
        {
            "serial": str(world.first_serial_a),
            "local_reference": "x-2",
            **PROFILE,
            "commune_insee": "86000",
        },
    )
    assert page.status_code == 422
    assert "86000 est un code postal, pas un code commune INSEE" in text(page)
    assert "Poitiers (86194)" in text(page)
    with db(app) as s:
        assert s.scalars(select(Beneficiary)).all() == []
        assert (
            s.scalars(select(Book.status).where(Book.serial == world.first_serial_a)).one()
            == "in_stock"
        )


def test_a_follow_up_is_noted_after_the_last_session_and_refused_before_or_elsewhere(
    app, client, world
):
    from datetime import timedelta

    from voucher.db.models import FollowUp
    from voucher.domain.calendar import paris_date, utcnow

    login(client, world.emails["prescriber_a"])
    post(
        client,
        "/prescripteur/remettre",
        {"serial": str(world.first_serial_a), "local_reference": "suivi-1", **PROFILE},
    )
    follow = {"serial": str(world.first_serial_a), "answer": "autonome"}
    today = paris_date(utcnow())  # the day in Paris, the one the last session is dated
    # no session yet: nothing to follow up
    early = post(client, "/prescripteur/suivi", {**follow, "observed_on": today.isoformat()})
    assert early.status_code in (409, 422)
    assert "aucune séance" in text(early)
    login(client, world.emails["reception_a"])
    scan(client, world.codes_a[0], scan_id="scan-suivi-0001")
    login(client, world.emails["prescriber_a"])
    page = text(client.get("/prescripteur/suivi"))
    assert 'for="answer"' in page and "Oui, seule, sans aide" in page
    future = (today + timedelta(days=40)).isoformat()
    assert "dans le futur" in text(
        post(client, "/prescripteur/suivi", {**follow, "observed_on": future})
    )
    junk = post(
        client,
        "/prescripteur/suivi",
        {**follow, "answer": "<b>oui</b>", "observed_on": today.isoformat()},
    )
    assert junk.status_code == 422 and "Réponse inconnue" in text(junk)
    other = post(
        client,
        "/prescripteur/suivi",
        {**follow, "serial": str(world.first_serial_b), "observed_on": today.isoformat()},
    )
    assert "pas été remis par votre organisation" in text(other)
    # the reception desk that took the voucher may answer too, on its own page
    login(client, world.emails["reception_b"])
    elsewhere = post(
        client,
        "/accueil/suivi",
        {**follow, "observed_on": today.isoformat()},
        form_page="/accueil/suivi",
    )
    assert elsewhere.status_code == 422 and "ni utilisé dans votre lieu" in text(elsewhere)
    with db(app) as s:
        assert s.scalars(select(FollowUp)).all() == []
    login(client, world.emails["prescriber_a"])
    done = post(client, "/prescripteur/suivi", {**follow, "observed_on": today.isoformat()})
    assert done.status_code == 303
    login(client, world.emails["reception_a"])
    desk = post(
        client,
        "/accueil/suivi",
        {**follow, "answer": "partiellement_autonome", "observed_on": today.isoformat()},
        form_page="/accueil/suivi",
    )
    assert desk.status_code == 303
    with db(app) as s:
        got = [(r.answer, r.moment, r.recorder_role) for r in s.scalars(select(FollowUp))]
        assert got == [
            ("autonome", "apres", "prescriber"),
            ("partiellement_autonome", "apres", "structure"),
        ]


def test_an_impossible_profile_is_refused_by_the_age_field_and_nothing_is_handed_out(
    app, client, world
):
    login(client, world.emails["prescriber_a"])
    bad = post(
        client,
        "/prescripteur/remettre",
        {
            "serial": str(world.first_serial_a),
            "local_reference": "DOSSIER-ENFANT-1",
            **PROFILE,
            "age_band": "moins_de_douze",
        },
    )
    page = text(bad)
    assert bad.status_code == 422
    assert "« Seniors » ne va pas avec « Moins de 12 ans »" in page
    assert 'href="#age_band"' in page and 'id="age_band-error"' in page
    assert 'value="DOSSIER-ENFANT-1"' in page  # what was typed is kept
    with db(app) as s:
        assert s.scalars(select(Beneficiary)).all() == []
        book = s.scalars(select(Book).where(Book.serial == world.first_serial_a)).one()
        assert book.beneficiary_id is None


def test_after_a_hand_out_the_letter_of_nearest_places_is_offered_to_print(app, client, world):
    login(client, world.emails["prescriber_a"])
    done = post(
        client,
        "/prescripteur/remettre",
        {"serial": str(world.first_serial_a), "local_reference": "DOSSIER-LETTRE", **PROFILE},
    )
    page = text(client.get(done.headers["Location"]))
    letter = f"/prescripteur/carnets/{world.first_serial_a}/lettre"
    assert "Imprimer la lettre des lieux proches" in page and f'href="{letter}"' in page
    assert client.get(letter).status_code == 200
    # another prescriber's carnet number in the address offers nothing
    other = text(client.get(f"/prescripteur/carnets?remis={world.first_serial_b}"))
    assert "Imprimer la lettre des lieux proches" not in other
