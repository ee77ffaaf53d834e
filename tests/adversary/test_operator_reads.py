"""The whole-ledger audit over the API is the operator's only, and throttled: a finance
key of a funder cannot make the server recompute the ledger, nor can the operator's key
in a loop."""

from __future__ import annotations

from tests import factories as f
from tests.web.api.conftest import Api, problem
from voucher.db.engine import unit_of_work
from voucher.services.access import api_keys


def test_only_the_operator_reads_the_whole_ledger(app, client, world):
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        funder_finance = api_keys.create_key(
            s, f.ACTOR, organisation_id=world.funder_id, role="finance", name="finance financeur"
        ).secret
    problem(Api(client, funder_finance).get("/api/v1/audit/check"), 403, "forbidden")
    assert Api(client, world.keys["finance"]).get("/api/v1/audit/check").status_code == 200


def test_the_audit_is_throttled_per_key(app, client, world):
    app.config["API_AUDIT_LIMIT"] = "2 per hour"
    api = Api(client, world.keys["admin"])
    assert [api.get("/api/v1/audit/check").status_code for _ in range(2)] == [200, 200]
    refused = api.get("/api/v1/audit/check")
    body = problem(refused, 429, "rate_limited")
    assert refused.headers["Retry-After"] == str(body["retry_after"])
    assert Api(client, world.keys["finance"]).get("/api/v1/audit/check").status_code == 200
