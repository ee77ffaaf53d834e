"""The OpenAPI document is a contract: every operation says who it is, what it changes,
what it answers (with examples) and every refusal code it can answer, each code taken from
the catalogue with the status the API really answers it with."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask

from voucher.domain import codes
from voucher.domain.errors import MESSAGES
from voucher.web.api import contract, problems
from voucher.web.api.operations import OPERATIONS, TAGS

METHODS = ("get", "post", "put", "patch", "delete")
PUBLIC = {"ping"}
WRITES_WITH_KEY = {
    "redeemVoucher",
    "issueBatch",
    "activateBatch",
    "acknowledgeBatch",
    "moveBook",
    "handOutBook",
    "reportBook",
    "cancelRedemption",
}


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    from voucher.web.app import create_app

    app: Flask = create_app({"TESTING": True, "DATABASE_URL": "sqlite://"})
    response = app.test_client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document: dict[str, Any] = response.get_json()
    return document


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, item[method])
        for path, item in spec["paths"].items()
        for method in METHODS
        if method in item
    ]


def test_the_document_lists_exactly_the_operations_of_the_contract(spec):
    listed = {f"{m.upper()} {p}" for m, p, _ in operations(spec)}
    assert listed == set(OPERATIONS)
    assert "/api/v1/docs" not in spec["paths"]  # the HTML page is not an operation
    ids = [op["operationId"] for _, _, op in operations(spec)]
    assert len(ids) == len(set(ids))
    assert {t["name"] for t in spec["tags"]} == set(TAGS)


def test_every_operation_has_an_id_a_tag_and_a_bilingual_description(spec):
    for method, _, op in operations(spec):
        assert op["operationId"] and op["tags"][0] in TAGS
        french, _, english = op["description"].partition("*English:*")
        assert len(french.strip()) > 20 and len(english.strip()) > 20, op["operationId"]
        # says what it changes: reads say they change nothing, writes say what they do
        reads = method == "get" and op["operationId"] not in (
            "downloadBatchPrintFile",
            "checkVoucher",
        )
        assert ("Ne change rien." in french) == reads, op["operationId"]
        assert ("Changes nothing." in english) == reads, op["operationId"]


def _problem_codes(response: dict[str, Any]) -> list[str]:
    media = response["content"][problems.PROBLEM_JSON]
    schema = media["schema"]["allOf"]
    assert schema[0] == {"$ref": contract.PROBLEM_REF}
    found: list[str] = schema[1]["properties"]["code"]["enum"]
    assert media["example"]["code"] in found
    return found


def test_every_problem_response_enumerates_catalogue_codes_with_their_real_status(spec):
    for _, _, op in operations(spec):
        answered: set[str] = set()
        for status, response in op["responses"].items():
            if status == "default" or int(status) < 400:
                continue
            for code in _problem_codes(response):
                assert code in MESSAGES, (op["operationId"], code)
                assert problems.status_of(code) == int(status), (op["operationId"], code)
                answered.add(code)
        assert "internal_error" in answered
        if op["operationId"] not in PUBLIC:
            assert {"unauthenticated", "invalid_api_key", "forbidden"} <= answered
            assert "database_unavailable" in answered
            assert "WWW-Authenticate" in op["responses"]["401"]["headers"]
            assert "Retry-After" in op["responses"]["503"]["headers"]
        own = OPERATIONS[next(k for k, o in OPERATIONS.items() if o.id == op["operationId"])]
        assert set(own.codes) <= answered


def test_every_operation_has_examples_of_what_it_takes_and_answers(spec):
    for _, _, op in operations(spec):
        body = op.get("requestBody", {}).get("content", {}).get("application/json")
        if body is not None:
            assert body["example"], op["operationId"]
        success = [r for s, r in op["responses"].items() if s.startswith("2")]
        assert success, op["operationId"]
        for response in success:
            json_media = response.get("content", {}).get("application/json")
            if json_media is not None:
                assert json_media["example"] not in (None, {}, []), op["operationId"]


def test_writes_take_an_idempotency_key_and_declare_the_replay_header(spec):
    for _, _, op in operations(spec):
        headers = {p["name"] for p in op.get("parameters", []) if p["in"] == "header"}
        if op["operationId"] in WRITES_WITH_KEY:
            assert "Idempotency-Key" in headers, op["operationId"]
            success = next(r for s, r in op["responses"].items() if s.startswith("2"))
            assert "Idempotent-Replayed" in success["headers"]
            assert "idempotency_key_reused" in _problem_codes(op["responses"]["422"])


def test_rate_limited_operations_declare_their_headers(spec):
    limited = [op for _, _, op in operations(spec) if "429" in op["responses"]]
    assert {op["operationId"] for op in limited} >= {"redeemVoucher", "checkVoucher"}
    for op in limited:
        assert {"Retry-After", "X-RateLimit-Remaining"} <= set(op["responses"]["429"]["headers"])
        success = next(r for s, r in op["responses"].items() if s.startswith("2"))
        assert {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} <= set(
            success["headers"]
        )


def test_the_code_format_is_a_pattern_and_the_example_code_is_valid(spec):
    schemas = spec["components"]["schemas"]
    for name in ("Voucher", "VoucherCheck", "ScanRow"):
        prop = schemas[name]["properties"]["code"]
        assert prop["pattern"] == "^[0-9]{24}$" and "Damm" in prop["description"]
    assert codes.is_valid(contract.EXAMPLE_CODE)
    scan = next(op for _, _, op in operations(spec) if op["operationId"] == "redeemVoucher")
    assert scan["requestBody"]["content"]["application/json"]["example"]["code"] == (
        contract.EXAMPLE_CODE
    )


def test_a_code_outside_the_catalogue_cannot_enter_the_document():
    from voucher.web.api.operations import Operation

    bad = Operation(
        "GET /x", "x", "access", "Ne change rien du tout.", "Changes nothing.", ("nope",)
    )
    with pytest.raises(LookupError):
        contract._problem(404, ["nope"], bad)


def test_the_declared_headers_are_really_sent(as_key, world):
    first = as_key("reception").post(
        "/api/v1/redemptions", json={"code": world.codes[0]}, headers={"Idempotency-Key": "c-1"}
    )
    assert first.status_code == 201
    assert {"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset"} <= set(
        first.headers.keys()
    )
    again = as_key("reception").post(
        "/api/v1/redemptions", json={"code": world.codes[0]}, headers={"Idempotency-Key": "c-1"}
    )
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.get_data() == first.get_data()


def test_a_route_missing_from_the_table_is_still_served_under_a_derived_id():
    raw = {
        "paths": {
            "/api/v1/widgets/{widget_id}/spin": {
                "post": {"summary": "Faire tourner", "responses": {"200": {"description": "ok"}}}
            }
        },
        "components": {"schemas": {}},
    }
    built = contract.build(raw)
    op = built["paths"]["/api/v1/widgets/{widget_id}/spin"]["post"]
    assert op["operationId"] == "postWidgetsWidget_idSpin" and op["tags"] == ["unlisted"]
    assert {"name": "unlisted", "description": "à décrire (to be described)"} in built["tags"]
