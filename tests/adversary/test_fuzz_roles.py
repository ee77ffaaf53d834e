"""schemathesis over every operation with **every** key (each role, another
organisation's, a revoked one, none): refusals are well-formed problems too, never a 5xx,
never an answer outside the description. Bounded for CI (``VOUCHER_FUZZ_EXAMPLES``, 2 by
default, runs it longer)."""

from __future__ import annotations

import os

import schemathesis
from schemathesis import GenerationMode

from tests.web.api.test_openapi_fuzz import fuzz

EXAMPLES = int(os.environ.get("VOUCHER_FUZZ_EXAMPLES", "2"))
ROLES = (
    "reception",
    "funder",
    "prescriber",
    "finance",
    "admin",
    "evaluator",
    "other_reception",
    "other_funder",
    "revoked",
    "no-such-key.junk",
)


def test_every_operation_with_every_role(app, world):
    app.config.update(
        API_LOOKUP_LIMIT="100000 per minute",
        API_REDEEM_LIMIT="100000 per minute",
        API_BATCH_LIMIT="100000 per minute",
        API_ADDRESS_LIMIT="100000 per minute",
        API_AUDIT_LIMIT="100000 per minute",
    )
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    tried = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        for role in ROLES:
            auth = world.keys.get(role, role)
            tried += fuzz(operation, GenerationMode.POSITIVE, auth, EXAMPLES)
    assert tried >= 23 * len(ROLES)
