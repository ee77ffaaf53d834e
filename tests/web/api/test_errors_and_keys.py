"""Every API error is a problem+json with a stable code and French text; keys are checked,
their use recorded; pages keep their HTML error pages."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.web.api.conftest import problem
from voucher.db.engine import unit_of_work
from voucher.db.models import ApiKey


def test_no_key_wrong_key_and_revoked_key_are_401(as_key, world):
    for api in (
        as_key(None),
        as_key("vk_000000000000.nope"),
        as_key("revoked"),
        as_key("pas-une-cle"),
    ):
        r = api.get("/api/v1/structures")
        problem(r, 401, "unauthenticated" if api.secret is None else "invalid_api_key")
        assert r.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_key_of_the_wrong_role_is_403(as_key, world):
    problem(as_key("evaluator").get("/api/v1/programmes"), 403, "forbidden")


def test_the_last_use_of_a_key_is_recorded_even_on_a_read(as_key, world, app):
    assert as_key("funder").get("/api/v1/programmes").status_code == 200
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        used = s.scalar(select(ApiKey.last_used_at).where(ApiKey.id == world.key_ids["funder"]))
        unused = s.scalar(select(ApiKey.last_used_at).where(ApiKey.id == world.key_ids["admin"]))
    assert used is not None and unused is None


def test_unknown_routes_and_wrong_methods_are_problems(as_key, world):
    problem(as_key("reception").get("/api/v1/nulle-part"), 404, "not_found")
    problem(as_key(None).get("/api/v2/ping"), 404, "not_found")
    r = as_key("reception").client.delete("/api/v1/ping")
    problem(r, 405, "method_not_allowed")
    assert "GET" in r.headers["Allow"]


def test_bodies_must_be_json(as_key, world):
    api = as_key("reception")
    r = api.client.post(
        "/api/v1/redemptions",
        data="code=1",
        content_type="application/x-www-form-urlencoded",
        headers={"Authorization": f"Bearer {api.secret}", "Idempotency-Key": "f-1"},
    )
    problem(r, 415, "unsupported_media_type")
    r = api.client.post(
        "/api/v1/redemptions",
        data="{pas du json",
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.secret}", "Idempotency-Key": "f-2"},
    )
    problem(r, 400, "invalid_json")


def test_oversized_bodies_are_refused_before_reading(as_key, world, app):
    app.config["API_MAX_BODY"] = 2000
    r = as_key("reception").post(
        "/api/v1/redemptions/batch", json={"scans": [{"code": "1" * 60}] * 100}
    )
    problem(r, 413, "payload_too_large")


def test_a_crash_is_a_500_problem_without_stack_trace(as_key, world, monkeypatch):
    from voucher.services.access import api_reads

    def boom(*_a, **_k):
        raise RuntimeError("secret SQL text here")

    monkeypatch.setattr(api_reads, "structures", boom)
    r = as_key("reception").get("/api/v1/structures")
    body = problem(r, 500, "internal_error")
    assert "secret" not in r.get_data(as_text=True) and body["detail"].startswith("Erreur interne")


def test_pages_keep_their_html_error_pages(client, world):
    r = client.get("/page-qui-n-existe-pas")
    assert r.status_code == 404 and r.mimetype == "text/html"
    assert "Page introuvable" in r.get_data(as_text=True)


def test_the_openapi_document_and_the_docs_page_are_served_without_cdn(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.") and "/api/v1/redemptions/batch" in spec["paths"]
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    error = spec["components"]["responses"]["DEFAULT_ERROR"]["content"]
    assert "application/problem+json" in error
    page = client.get("/api/v1/docs")
    html = page.get_data(as_text=True)
    assert (
        page.status_code == 200
        and "POST /api/v1/redemptions" in html
        and 'id="code-already_redeemed"' in html
    )
    # nothing from a CDN: every script, style and image comes from this server (texts may
    # still name an address, e.g. a standard's page)
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)
    assert re.findall(r"<script[^>]*>", html) == [
        s for s in re.findall(r"<script[^>]*>", html) if 'src="/static/' in s
    ]


def test_the_api_does_not_need_a_csrf_token(as_key, world, app):
    app.config["WTF_CSRF_ENABLED"] = True
    r = as_key("reception").post(
        "/api/v1/redemptions", json={"code": world.codes[0]}, headers={"Idempotency-Key": "csrf-1"}
    )
    assert r.status_code == 201


@pytest.mark.parametrize("path", ["/api/v1/ping"])
def test_ping_is_a_bare_json_answer(client, path):
    r = client.get(path)
    assert r.status_code == 200 and r.get_json() == {"status": "ok"}


def test_a_lost_database_is_a_503_problem_to_retry(as_key, world, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from voucher.services.access import api_reads

    def down(*_a, **_k):
        raise OperationalError(
            "SELECT 1", {}, Exception("server closed the connection unexpectedly")
        )

    monkeypatch.setattr(api_reads, "structures", down)
    r = as_key("reception").get("/api/v1/structures")
    problem(r, 503, "database_unavailable")
    assert r.headers["Retry-After"] == "2" and "SELECT" not in r.get_data(as_text=True)
