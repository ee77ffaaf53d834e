"""Administration: people, roles, organisations, labels and API keys; each change audited
with the administrator; a non-operator administrator sees only its own organisation."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from tests import factories as f
from tests.web.workspace_world import login, post, text, token
from voucher.db.engine import unit_of_work
from voucher.db.models import ApiKey, AuditEvent, Label, Organisation, RoleGrant, User
from voucher.services.access import api_keys


def audited(app, action: str) -> list[AuditEvent]:
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_an_operator_admin_creates_a_person_who_can_then_sign_in(app, client, world):
    login(client, world.emails["admin"])
    done = post(
        client,
        "/admin/utilisateurs",
        {
            "name": "Camille Nouvelle",
            "email": "camille@exemple.test",
            "password": "un-mot-de-passe-long",
            "organisation_id": world.structure_a,
            "role": "reception",
        },
    )
    assert done.status_code == 303
    assert "Camille Nouvelle" in text(client.get(done.headers["Location"]))
    created = audited(app, "user.create")[-1]
    assert (
        created.actor_user_id == world.user_ids["admin"]
        and created.details["email"] == "camille@exemple.test"
    )
    login(client, "camille@exemple.test", "un-mot-de-passe-long")
    assert client.get("/accueil/").status_code == 200


def test_a_short_password_is_refused_in_french_and_creates_nothing(app, client, world):
    login(client, world.emails["admin"])
    page = post(
        client,
        "/admin/utilisateurs",
        {
            "name": "X",
            "email": "x@exemple.test",
            "password": "court",
            "organisation_id": world.structure_a,
            "role": "reception",
        },
    )
    assert page.status_code == 422 and "au moins 12 caractères" in text(page)
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        assert s.scalar(select(User.id).where(User.email == "x@exemple.test")) is None


def test_roles_are_added_and_removed_and_a_deactivated_person_cannot_sign_in(app, client, world):
    login(client, world.emails["admin"])
    uid = world.user_ids["reception_b"]
    assert (
        post(
            client,
            f"/admin/utilisateurs/{uid}/roles",
            {"organisation_id": world.structure_a, "role": "reception"},
            form_page=f"/admin/utilisateurs/{uid}",
        ).status_code
        == 303
    )
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        gid = s.scalar(
            select(RoleGrant.id).where(
                RoleGrant.user_id == uid, RoleGrant.organisation_id == world.structure_a
            )
        )
    assert (
        post(
            client,
            f"/admin/utilisateurs/{uid}/roles/{gid}/retirer",
            form_page=f"/admin/utilisateurs/{uid}",
        ).status_code
        == 303
    )
    assert (
        post(
            client, f"/admin/utilisateurs/{uid}/desactiver", form_page=f"/admin/utilisateurs/{uid}"
        ).status_code
        == 303
    )
    assert [e.action for e in audited(app, "user.revoke")] == ["user.revoke"]
    assert audited(app, "user.deactivate")[0].actor_user_id == world.user_ids["admin"]
    page = client.get("/connexion")
    refused = client.post(
        "/connexion",
        data={
            "email": world.emails["reception_b"],
            "password": "motdepasse-de-test",
            "csrf_token": token(page),
        },
    )
    assert refused.status_code == 401


def test_an_admin_cannot_deactivate_themselves(app, client, world):
    login(client, world.emails["admin"])
    uid = world.user_ids["admin"]
    page = post(
        client, f"/admin/utilisateurs/{uid}/desactiver", form_page=f"/admin/utilisateurs/{uid}"
    )
    assert page.status_code == 422 and "propre compte" in text(page)


def test_an_organisation_is_created_with_a_checked_siret_and_a_structured_address(
    app, client, world
):
    login(client, world.emails["admin"])
    form = {
        "name": "Tiers-lieu de Lussac",
        "siret": "123",
        "role_structure": "1",
        "street_number": "3",
        "street": "rue du Pont",
        "postcode": "86320",
        "town": "Lussac-les-Châteaux",
        "commune_insee": "86140",
    }
    bad = post(client, "/admin/organisations", form)
    assert bad.status_code == 422 and "SIRET invalide" in text(bad)
    no_street = post(client, "/admin/organisations", {**form, "siret": f.siret(), "street": ""})
    assert no_street.status_code == 422 and "Champ obligatoire : rue." in text(no_street)
    done = post(client, "/admin/organisations", {**form, "siret": f.siret()})
    assert done.status_code == 303
    label = post(
        client,
        done.headers["Location"] + "/labels",
        {"label": "Pass numérique", "valid_from": "2026-01-01", "valid_until": "2026-12-31"},
        form_page=done.headers["Location"],
    )
    assert label.status_code == 303
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        org = s.scalars(
            select(Organisation).where(Organisation.name == "Tiers-lieu de Lussac")
        ).one()
        assert (org.street, org.postcode, org.is_structure) == ("rue du Pont", "86320", True)
        assert s.scalars(select(Label.name).where(Label.organisation_id == org.id)).all() == [
            "Pass numérique"
        ]
    assert audited(app, "label.add")[-1].actor_user_id == world.user_ids["admin"]


def test_an_api_key_is_shown_once_and_can_be_revoked(app, client, world):
    login(client, world.emails["admin"])
    created = post(
        client,
        "/admin/cles",
        {"name": "Tablette", "organisation_id": world.structure_a, "role": "reception"},
    )
    # POST-redirect-GET: the page with the secret is a GET, an HTML page, never cached
    assert created.status_code == 303 and created.headers["Location"].endswith("/admin/cles")
    shown = client.get("/admin/cles")
    body = text(shown)
    assert shown.mimetype == "text/html" and shown.headers["Cache-Control"] == "no-store"
    assert body.lstrip().startswith("<!doctype html>")
    secret = re.search(r'id="secret" readonly value="([^"]+)"', body).group(1)
    assert "ne sera plus jamais affichée" in body
    # the session cookie that carried it across the redirect is signed, not encrypted:
    # what it holds is sealed, so whoever reads the cookie does not learn the secret
    cookie = created.headers["Set-Cookie"].split("session=", 1)[1].split(";", 1)[0]
    carried = app.session_interface.get_signing_serializer(app).loads(cookie)
    assert secret.split(".")[-1] not in repr(carried) and "new_api_key" in carried
    listing = text(client.get("/admin/cles"))  # a reload: the secret is gone, no second key
    assert secret not in listing and secret.split(".")[0] in listing
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        assert api_keys.find_api_key(s, secret) is not None
        assert len(s.scalars(select(ApiKey.id)).all()) == 1
        key_id = s.scalar(select(ApiKey.id))
    asked = post(client, f"/admin/cles/{key_id}/revoquer", form_page="/admin/cles")
    assert asked.status_code == 200 and "Révoquer définitivement la clé" in text(asked)
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        assert api_keys.find_api_key(s, secret) is not None  # asked, not yet revoked
    done = post(
        client, f"/admin/cles/{key_id}/revoquer", {"confirm": "yes"}, form_page="/admin/cles"
    )
    assert done.status_code == 303
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        assert api_keys.find_api_key(s, secret) is None
    assert audited(app, "api_key.revoke")[0].actor_user_id == world.user_ids["admin"]


def test_an_organisation_admin_only_sees_and_manages_its_own_organisation(app, client, world):
    login(client, world.emails["admin_a"])
    people = text(client.get("/admin/utilisateurs"))
    assert "Prescriber A" in people and "Reception A" not in people
    assert client.get(f"/admin/utilisateurs/{world.user_ids['reception_a']}").status_code == 404
    assert client.get(f"/admin/organisations/{world.structure_a}").status_code == 404
    other = post(
        client,
        "/admin/utilisateurs",
        {
            "name": "Y",
            "email": "y@exemple.test",
            "password": "un-mot-de-passe-long",
            "organisation_id": world.structure_a,
            "role": "admin",
        },
    )
    assert other.status_code == 404
    assert (
        post(
            client,
            "/admin/organisations",
            {"name": "Z", "role_funder": "1"},
            form_page="/admin/organisations",
        ).status_code
        == 403
    )


def test_a_role_must_fit_the_kind_of_organisation(app, client, world):
    login(client, world.emails["admin"])
    page = post(
        client,
        "/admin/utilisateurs",
        {
            "name": "Z",
            "email": "z@exemple.test",
            "password": "un-mot-de-passe-long",
            "organisation_id": world.funder_a,
            "role": "reception",
        },
    )
    assert page.status_code == 422 and "un lieu labellisé" in text(page)
    uid = world.user_ids["funder_b"]
    grant = post(
        client,
        f"/admin/utilisateurs/{uid}/roles",
        {"organisation_id": world.prescriber_a, "role": "funder"},
        form_page=f"/admin/utilisateurs/{uid}",
    )
    assert grant.status_code == 422 and "un financeur" in text(grant)
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        assert s.scalar(select(User.id).where(User.email == "z@exemple.test")) is None
        assert (
            s.scalar(
                select(RoleGrant.id).where(
                    RoleGrant.user_id == uid, RoleGrant.organisation_id == world.prescriber_a
                )
            )
            is None
        )


def test_an_organisation_admin_cannot_label_its_own_organisation(app, client, world):
    """A label lets a place scan and be paid: an organisation's own administrator giving it
    one would be its own judge. The form is not offered and a forged post is refused."""
    login(client, world.emails["admin_a"])
    own = f"/admin/organisations/{world.prescriber_a}"
    assert "Ajouter le label" not in text(client.get(own))
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        before = s.scalar(select(func.count()).select_from(Label))
    forged = post(
        client,
        own + "/labels",
        {"label": "Pass numérique", "valid_from": "2026-01-01"},
        form_page=own,
    )
    assert forged.status_code == 422 and "ne peut pas se décerner un label" in text(forged)
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        assert s.scalar(select(func.count()).select_from(Label)) == before
