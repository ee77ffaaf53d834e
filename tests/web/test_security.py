"""Sessions and forms: a form posted without its CSRF token is refused and changes
nothing; sign-in is rate-limited; the session cookie is Secure, HttpOnly and SameSite."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.web.workspace_world import PASSWORD, login, text, token
from voucher.db.engine import unit_of_work
from voucher.db.models import AuditEvent, Programme, Redemption, User
from voucher.web.app import create_app
from voucher.web.limits import limiter


def count(app, model) -> int:
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        return s.scalar(select(func.count()).select_from(model))


def test_forms_posted_without_their_token_are_refused_and_change_nothing(app, client, world):
    login(client, world.emails["reception_a"])
    before = count(app, AuditEvent)
    scan = client.post("/accueil/scan", data={"code": world.codes_a[0], "scan_id": "no-token-0001"})
    assert scan.status_code == 400 and "Requête incorrecte" in text(scan)
    forged = client.post("/accueil/scan", data={"code": world.codes_a[0], "csrf_token": "forged"})
    assert forged.status_code == 400
    login(client, world.emails["funder_a"])
    programme = client.post(
        "/financeur/dispositifs/nouveau", data={"name": "Sans jeton", "face_value": "10"}
    )
    assert programme.status_code == 400
    login(client, world.emails["admin"])
    person = client.post(
        "/admin/utilisateurs",
        data={
            "name": "X",
            "email": "x@exemple.test",
            "password": "un-mot-de-passe-long",
            "organisation_id": world.operator,
            "role": "admin",
        },
    )
    assert person.status_code == 400
    assert count(app, Redemption) == 0 and count(app, Programme) == 2
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        assert s.scalar(select(User.id).where(User.email == "x@exemple.test")) is None
        actions = set(s.scalars(select(AuditEvent.action).where(AuditEvent.id > before)))
    assert actions <= {"user.login"}  # only the sign-ins of this test were recorded


def test_sign_in_is_limited_to_ten_attempts_a_minute(app, client, world):
    limiter.reset()
    csrf = token(client.get("/connexion"))
    answers = [
        client.post(
            "/connexion",
            data={"email": world.emails["funder_a"], "password": "mauvais", "csrf_token": csrf},
        ).status_code
        for _ in range(11)
    ]
    assert answers == [401] * 10 + [429]
    blocked = client.post(
        "/connexion",
        data={"email": world.emails["funder_a"], "password": PASSWORD, "csrf_token": csrf},
    )
    assert blocked.status_code == 429 and "Trop de tentatives" in text(blocked)
    limiter.reset()


def test_the_session_cookie_is_secure_httponly_and_samesite(fresh_engine, tmp_path, monkeypatch):
    from tests.web.workspace_world import build_world

    monkeypatch.delenv("VOUCHER_INSECURE_COOKIES", raising=False)
    url = fresh_engine.url.render_as_string(hide_password=False)
    app = create_app(
        {
            "DATABASE_URL": url,
            "INSTANCE_PATH": tmp_path,
            "SECRET_KEY": "test",
            "PSEUDONYM_KEY": b"test-key",
            "TESTING": True,
        }
    )
    try:
        world = build_world(app.extensions["voucher.engine"])
        client = app.test_client()
        limiter.reset()
        page = client.get("/connexion", base_url="https://registre.exemple")
        done = client.post(
            "/connexion",
            base_url="https://registre.exemple",
            data={
                "email": world.emails["reception_a"],
                "password": PASSWORD,
                "csrf_token": token(page),
            },
            headers={"Referer": "https://registre.exemple/connexion"},
        )  # CSRF checks the referrer on HTTPS
        assert done.status_code == 302
        cookie = next(h for h in done.headers.getlist("Set-Cookie") if h.startswith("session="))
        flags = {part.strip().split("=")[0].lower() for part in cookie.split(";")}
        assert {"secure", "httponly", "samesite"} <= flags and "SameSite=Lax" in cookie
    finally:
        app.extensions["voucher.engine"].dispose()
