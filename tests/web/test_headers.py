"""Security headers and well-formed pages, on every page every role can reach (followed
link by link from its landing page), plus the sign-in page, an unknown page and a file:
each answer carries the CSP (no ``unsafe-inline``, ``frame-ancestors 'none'``), the
Referrer-Policy, the Permissions-Policy (the camera only on the desk), nosniff and no
framing; every page is ``text/html`` with a ``lang`` and a title, and none holds an inline
script, an inline style or an ``on…=`` handler the CSP would block."""

from __future__ import annotations

import re

import pytest

from tests.web.crawl import crawl
from tests.web.workspace_world import login

ROLES = ["admin", "funder_a", "prescriber_a", "reception_a", "finance", "evaluator"]
INLINE = re.compile(
    r"<script(?![^>]*\bsrc=)[^>]*>|<style\b|\sstyle=\"|\son[a-z]+=\"|javascript:", re.IGNORECASE
)


def check_headers(response, path: str) -> None:
    h = response.headers
    csp = h.get("Content-Security-Policy", "")
    assert "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp, path
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "object-src 'none'" in csp
    assert h.get("X-Frame-Options") == "DENY", path
    assert h.get("X-Content-Type-Options") == "nosniff", path
    assert h.get("Referrer-Policy") == "same-origin", path
    camera = "camera=(self)" if path.startswith("/accueil") else "camera=()"
    assert camera in h.get("Permissions-Policy", ""), path
    assert "Strict-Transport-Security" not in h, path  # plain HTTP: never


def check_page(response, path: str, body: str) -> None:
    assert response.mimetype == "text/html", path
    assert re.search(r'<html lang="fr"', body), path
    title = re.search(r"<title>([^<]+)</title>", body)
    assert title and title.group(1).strip(), path
    assert not INLINE.search(body), (path, INLINE.search(body).group(0))


@pytest.mark.parametrize("who", ROLES)
def test_every_page_of_every_role_carries_the_headers_and_no_inline_code(client, world, who):
    login(client, world.emails[who])
    answers = {}

    def get(path: str):
        response = client.get(path)
        answers[path] = response
        return response.status_code, response.content_type, response.get_data(as_text=True)

    visited = list(crawl(get))
    assert len(visited) >= 3, [p for p, *_ in visited]
    for path, status, body in visited:
        response = answers[path]
        check_headers(response, path)
        if (response.mimetype == "text/html" and not 300 <= status < 400) or status >= 400:
            check_page(response, path, body)
        assert status < 500, path


def test_pages_without_a_session_and_errors_and_files_carry_them_too(client, world):
    for path in (
        "/connexion",
        "/aide/",
        "/nulle-part",
        "/static/css/app.css",
        "/api/v1/openapi.json",
    ):
        response = client.get(path)
        check_headers(response, path)
        if response.mimetype == "text/html":
            check_page(response, path, response.get_data(as_text=True))
        response.close()
    assert client.get("/nulle-part").status_code == 404


def test_hsts_only_over_https(client, world):
    secure = client.get("/connexion", base_url="https://localhost")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "Strict-Transport-Security" not in client.get("/connexion").headers
