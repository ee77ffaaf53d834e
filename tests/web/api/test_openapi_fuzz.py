"""schemathesis against the app's own OpenAPI document, in-process (WSGI): for a bounded
number of generated requests per operation (valid and invalid data), no 5xx, every answer
matches its documented schema, status and content type, and every error is a
problem+json with a stable code.

(The operations are walked by hand with ``as_strategy``: schemathesis' lazy pytest
fixture loader does not run on pytest 9.)"""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from voucher.domain.errors import MESSAGES

EXAMPLES = 6
#: which key speaks to which resource (the role that may use it)
KEY_FOR = (
    ("/api/v1/vouchers", "reception"),
    ("/api/v1/redemptions", "reception"),
    ("/api/v1/programmes", "funder"),
    ("/api/v1/batches", "funder"),
    ("/api/v1/books", "prescriber"),
    ("/api/v1/holds", "finance"),
    ("/api/v1/audit", "finance"),
    ("/api/v1/structures", "reception"),
)
CHECKS = [
    not_a_server_error,
    response_schema_conformance,
    content_type_conformance,
    status_code_conformance,
]


def key_for(path: str, world) -> str:
    return next(
        (world.keys[role] for prefix, role in KEY_FOR if path.startswith(prefix)),
        world.keys["reception"],
    )


def assert_well_formed(case, response) -> None:
    case.validate_response(response, checks=CHECKS)
    if response.status_code >= 400:
        content_type = response.headers.get("content-type", [""])[0]
        assert content_type.startswith("application/problem+json"), (
            case.method,
            case.path,
            response.status_code,
        )
        body = response.json()
        assert body["code"] in MESSAGES and body["status"] == response.status_code and body["title"]


def fuzz(operation, mode, auth: str, examples: int = EXAMPLES) -> int:
    calls = []

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case):
        response = case.call(headers={"Authorization": f"Bearer {auth}"})
        assert_well_formed(case, response)
        calls.append(response.status_code)

    try:
        run()
    except Unsatisfiable:  # nothing to make invalid (no parameter, no body)
        assert mode == GenerationMode.NEGATIVE
    return len(calls)


def test_the_api_holds_to_its_own_description(app, world):
    app.config.update(
        API_LOOKUP_LIMIT="10000 per minute",
        API_REDEEM_LIMIT="10000 per minute",
        API_BATCH_LIMIT="10000 per minute",
        API_ADDRESS_LIMIT="10000 per minute",
        API_AUDIT_LIMIT="10000 per minute",
    )
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    tried = {}
    for result in schema.get_all_operations():
        operation = result.ok()
        auth = key_for(operation.path, world)
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            tried[(operation.method, operation.path, mode)] = fuzz(operation, mode, auth)
    assert len({(m, p) for m, p, _ in tried}) >= 23
    assert sum(tried.values()) > 23 * EXAMPLES
