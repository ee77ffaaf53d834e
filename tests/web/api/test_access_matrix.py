"""Every endpoint × every role: allowed roles get an answer from the endpoint itself, the
others 403; no key and a revoked key 401. (Other organisations' objects: 404, in each
resource's own tests.)"""

from __future__ import annotations

import pytest

from tests.web.api.conftest import problem

ROLES = ("reception", "funder", "prescriber", "finance", "admin", "evaluator")
ANY = set(ROLES)


def endpoints(w):
    return [
        ("GET", f"/api/v1/vouchers/{w.codes[0]}", None, {"reception"}),
        ("POST", "/api/v1/redemptions", {"code": w.codes[0]}, {"reception"}),
        ("POST", "/api/v1/redemptions/batch", {"scans": []}, {"reception"}),
        ("GET", "/api/v1/redemptions", None, {"reception", "funder", "finance"}),
        ("GET", "/api/v1/redemptions/999999", None, {"reception", "funder", "finance"}),
        ("POST", "/api/v1/redemptions/999999/cancel", None, {"reception", "finance"}),
        ("GET", "/api/v1/programmes", None, {"funder", "finance"}),
        ("GET", f"/api/v1/programmes/{w.programme_id}", None, {"funder", "finance"}),
        ("POST", "/api/v1/batches", {"books": 0}, {"funder"}),
        ("GET", "/api/v1/batches", None, {"funder", "finance", "prescriber"}),
        ("GET", f"/api/v1/batches/{w.batch_id}", None, {"funder", "finance", "prescriber"}),
        ("POST", f"/api/v1/batches/{w.batch_id}/activate", None, {"funder"}),
        ("POST", f"/api/v1/batches/{w.batch_id}/acknowledge", None, {"prescriber"}),
        ("GET", f"/api/v1/batches/{w.batch_id}/codes.csv", None, {"funder"}),
        ("GET", f"/api/v1/batches/{w.batch_id}/print.pdf", None, {"funder"}),
        ("GET", "/api/v1/books", None, {"funder", "finance", "prescriber"}),
        ("GET", f"/api/v1/books/{w.first_serial}", None, {"funder", "finance", "prescriber"}),
        ("POST", f"/api/v1/books/{w.first_serial}/move", {}, {"funder", "prescriber"}),
        ("POST", f"/api/v1/books/{w.first_serial}/hand-out", {}, {"prescriber"}),
        ("POST", f"/api/v1/books/{w.first_serial}/follow-up", {}, {"prescriber", "reception"}),
        ("POST", f"/api/v1/books/{w.first_serial}/report", {}, {"funder", "prescriber"}),
        ("GET", "/api/v1/structures", None, ANY),
        ("GET", f"/api/v1/structures/{w.structure_id}", None, ANY),
        ("GET", "/api/v1/holds", None, {"funder", "finance"}),
        ("GET", "/api/v1/holds/999999", None, {"funder", "finance"}),
        ("GET", "/api/v1/disputes", None, {"reception", "funder", "finance"}),
        ("GET", "/api/v1/disputes/999999", None, {"reception", "funder", "finance"}),
        ("GET", "/api/v1/statements", None, {"reception", "funder", "finance"}),
        ("GET", "/api/v1/statements/999999", None, {"reception", "funder", "finance"}),
        ("GET", "/api/v1/audit/check", None, {"finance", "admin"}),
    ]


@pytest.mark.parametrize("role", ROLES + ("none", "revoked"))
def test_every_endpoint_answers_each_role_as_documented(as_key, world, role):
    api = as_key(None if role == "none" else role)
    for method, path, body, allowed in endpoints(world):
        headers = {"Idempotency-Key": f"matrix-{role}"} if path == "/api/v1/redemptions" else None
        r = api.get(path) if method == "GET" else api.post(path, json=body, headers=headers)
        if role == "none":
            problem(r, 401, "unauthenticated")
        elif role == "revoked":
            problem(r, 401, "invalid_api_key")
        elif role in allowed:
            assert r.status_code not in (401, 403) and r.status_code < 500, (
                method,
                path,
                r.get_data(as_text=True),
            )
        else:
            problem(r, 403, "forbidden")
