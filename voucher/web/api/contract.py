"""The OpenAPI document as a contract clients can be generated from.

flask-smorest describes each route from its schemas; this module completes the document
with what :mod:`voucher.web.api.operations` states of every operation, once, when the
document is built:

* ``operationId``, tag by capability, a French and an English description saying what the
  operation changes;
* its problem responses, one per HTTP status, each with the problem+json schema and the
  enumerated ``code`` values it can answer: the operation's own codes plus those every
  operation of its kind can answer (no key, bad input, rate limit, database away...), the
  status of each taken from the catalogue's table (:func:`problems.status_of`), so the
  document cannot drift from what the API answers;
* the headers it declares (``Idempotency-Key`` in, ``Idempotent-Replayed``,
  ``Retry-After``, ``X-RateLimit-*`` out);
* request and response examples, built from the schemas (a valid 24-digit code with its
  Damm check digit where a code is expected);
* the code format as a pattern, and the HTML documentation page left out (it is not an
  operation).
"""

from __future__ import annotations

import copy
import http
from typing import Any

from voucher.domain.errors import MESSAGES
from voucher.web.api import problems
from voucher.web.api.operations import OPERATIONS, TAGS, Operation

METHODS = ("get", "post", "put", "patch", "delete")
HIDDEN = ("/api/v1/docs",)
PROBLEM_REF = "#/components/schemas/Problem"
#: a valid code (23 digits and the Damm check digit), used in examples
EXAMPLE_CODE = "123456789012345678901238"
CODE_PATTERN = "^[0-9]{24}$"
CODE_HELP = (
    "code du chèque : 24 chiffres, le dernier est la clé de contrôle de Damm "
    "(voucher code: 24 digits, the last one a Damm check digit)"
)

HEADERS: dict[str, dict[str, Any]] = {
    "Idempotent-Replayed": {
        "description": "« true » quand la réponse est celle, rejouée, d'un envoi précédent "
        "avec la même Idempotency-Key (nothing was done again)",
        "schema": {"type": "string", "enum": ["true"]},
    },
    "Retry-After": {
        "description": "secondes à attendre avant de réessayer (seconds to wait)",
        "schema": {"type": "integer", "minimum": 0},
    },
    "X-RateLimit-Limit": {
        "description": "requêtes permises dans la fenêtre (requests allowed in the window)",
        "schema": {"type": "integer"},
    },
    "X-RateLimit-Remaining": {
        "description": "requêtes restantes dans la fenêtre (requests left)",
        "schema": {"type": "integer"},
    },
    "X-RateLimit-Reset": {
        "description": "fin de la fenêtre, en secondes depuis l'époque Unix (window end)",
        "schema": {"type": "integer"},
    },
    "WWW-Authenticate": {
        "description": "schéma d'authentification attendu (Bearer)",
        "schema": {"type": "string"},
    },
}
RATE_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")


def build(raw: dict[str, Any]) -> dict[str, Any]:
    """The document flask-smorest built, completed (a copy: ``raw`` is left as it is)."""
    spec = copy.deepcopy(raw)
    components = spec.setdefault("components", {})
    components.setdefault("headers", {}).update(
        {name.replace("-", ""): value for name, value in HEADERS.items()}
    )
    for path in HIDDEN:
        spec.get("paths", {}).pop(path, None)
    for path, item in spec.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                key = f"{method.upper()} {path}"
                op = OPERATIONS.get(key) or _unlisted(key, item[method])
                _complete(spec, item[method], op, item.get("parameters", []))
    used = {
        t
        for item in spec.get("paths", {}).values()
        for o in item.values()
        if isinstance(o, dict)
        for t in o.get("tags", [])
    }
    spec["tags"] = [
        {"name": name, "description": f"{fr} ({en})"} for name, (fr, en) in TAGS.items()
    ]
    if UNLISTED_TAG in used:
        spec["tags"].append({"name": UNLISTED_TAG, "description": "à décrire (to be described)"})
    _code_patterns(components.get("schemas", {}))
    return spec


UNLISTED_TAG = "unlisted"


def _unlisted(key: str, operation: dict[str, Any]) -> Operation:
    """A route missing from the table (added by another change): still documented, with a
    derived id, so the document is served; tests/web/api/test_contract.py fails on it."""
    words = [
        w
        for w in key.lower()
        .replace("{", "")
        .replace("}", "")
        .replace("-", "/")
        .replace(" ", "/")
        .split("/")
        if w and w not in ("api", "v1")
    ]
    summary = str(operation.get("summary", ""))
    return Operation(
        key,
        words[0] + "".join(w.capitalize() for w in words[1:]),
        UNLISTED_TAG,
        summary or key,
        summary or key,
    )


def _header_ref(name: str) -> dict[str, str]:
    return {"$ref": "#/components/headers/" + name.replace("-", "")}


def codes_for(op: Operation, operation: dict[str, Any], path_parameters: list[Any]) -> list[str]:
    """Every refusal code the operation can answer, in a stable order."""
    params = [*path_parameters, *operation.get("parameters", [])]
    public = operation.get("security") == []
    codes: list[str] = []
    if not public:
        codes += ["unauthenticated", "invalid_api_key", "forbidden"]
    if any(p.get("in") == "path" for p in params):
        codes.append("not_found")
    has_body = "requestBody" in operation
    if has_body or any(p.get("in") in ("query", "header") for p in params):
        codes.append("invalid_request")
    if any(p.get("name") == "cursor" for p in params):
        codes.append("invalid_cursor")
    # the input boundary (voucher.web.hygiene) answers before any view, for every operation
    codes += ["invalid_text", "uri_too_long", "header_too_large"]
    if has_body:
        codes += ["invalid_json", "invalid_encoding", "json_too_deep"]
        codes += ["unsupported_media_type", "payload_too_large"]
    if op.idempotent:
        codes += ["idempotency_key_reused", "busy"]
    if op.limited:
        codes.append("rate_limited")
    codes += op.codes
    if not public:
        codes.append("database_unavailable")
    codes += ["request_timeout", "internal_error"]
    return list(dict.fromkeys(codes))


def _complete(
    spec: dict[str, Any], operation: dict[str, Any], op: Operation, path_params: list[Any]
) -> None:
    operation["operationId"] = op.id
    operation["tags"] = [op.tag]
    operation["description"] = f"{op.fr}\n\n*English:* {op.en}"
    responses = operation.setdefault("responses", {})
    for status, response in responses.items():
        if str(status).startswith("2"):
            _success(spec, response, op)
    by_status: dict[int, list[str]] = {}
    for code in codes_for(op, operation, path_params):
        by_status.setdefault(problems.status_of(code), []).append(code)
    for status, codes in sorted(by_status.items()):
        responses[str(status)] = _problem(status, codes, op)
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body is not None and "example" not in body:
        body["example"] = example(spec, body.get("schema", {}))


def _success(spec: dict[str, Any], response: dict[str, Any], op: Operation) -> None:
    headers = response.setdefault("headers", {})
    if op.idempotent:
        headers["Idempotent-Replayed"] = _header_ref("Idempotent-Replayed")
    if op.limited:
        headers.update({h: _header_ref(h) for h in RATE_HEADERS})
    for media, content in response.get("content", {}).items():
        if media == "application/json" and "example" not in content:
            content["example"] = example(spec, content.get("schema", {}))
    if not headers:
        response.pop("headers")


def _problem(status: int, codes: list[str], op: Operation) -> dict[str, Any]:
    unknown = [c for c in codes if c not in MESSAGES]
    if unknown:
        raise LookupError(f"{op.id}: codes missing from the catalogue: {unknown}")
    headers: dict[str, Any] = {}
    if status == 401:
        headers["WWW-Authenticate"] = _header_ref("WWW-Authenticate")
    if status in (429, 503):
        headers["Retry-After"] = _header_ref("Retry-After")
    if status == 429 and op.limited:
        headers.update({h: _header_ref(h) for h in RATE_HEADERS})
    schema = {
        "allOf": [
            {"$ref": PROBLEM_REF},
            {"type": "object", "properties": {"code": {"type": "string", "enum": codes}}},
        ]
    }
    out: dict[str, Any] = {
        "description": f"{http.HTTPStatus(status).phrase} — code : " + ", ".join(codes),
        "content": {
            problems.PROBLEM_JSON: {"schema": schema, "example": problems.body(codes[0], status)}
        },
    }
    if headers:
        out["headers"] = headers
    return out


def _code_patterns(schemas: dict[str, Any]) -> None:
    """Codes the API answers are 24 digits with a Damm check digit: say so as a pattern."""
    for name in ("Voucher", "VoucherCheck", "ScanRow"):
        prop = schemas.get(name, {}).get("properties", {}).get("code")
        if prop is not None:
            prop["pattern"] = CODE_PATTERN
            prop["description"] = CODE_HELP


# examples ---------------------------------------------------------------------------------

_BY_NAME: dict[str, Any] = {
    "code": EXAMPLE_CODE,
    "scan_id": "desk-1-20260314-0001",
    "status": "accepted",
    "theme": "demarches",
    "autonomy": "accompagne",
    "name": "Médiathèque des Capucins",
    "reason": "lost",
    "cursor": "eyJpZCI6IDQyfQ",
    "next_cursor": "eyJpZCI6IDQyfQ",
    "face_value_cents": 1000,
}


def example(spec: dict[str, Any], schema: dict[str, Any], depth: int = 0, name: str = "") -> Any:
    """An example value for ``schema`` (references resolved, enums and formats honoured)."""
    if "$ref" in schema:
        target = schema["$ref"].rsplit("/", 1)[-1]
        return example(spec, spec["components"]["schemas"].get(target, {}), depth, name)
    if "allOf" in schema:
        merged: dict[str, Any] = {}
        for part in schema["allOf"]:
            value = example(spec, part, depth, name)
            if isinstance(value, dict):
                merged.update(value)
        return merged
    if "example" in schema:
        return schema["example"]
    if schema.get("enum"):
        values = [v for v in schema["enum"] if v is not None]
        preferred = _BY_NAME.get(name)
        return preferred if preferred in values else (values[0] if values else None)
    kind = schema.get("type")
    if kind == "object" or "properties" in schema:
        if depth > 4:
            return {}
        return {
            key: example(spec, prop, depth + 1, key)
            for key, prop in schema.get("properties", {}).items()
        }
    if kind == "array":
        return [example(spec, schema.get("items", {}), depth + 1, name)]
    return _scalar(schema, name)


def _scalar(schema: dict[str, Any], name: str) -> Any:
    kind, fmt = schema.get("type"), schema.get("format")
    if name in _BY_NAME and kind in ("string", "integer", None):
        value = _BY_NAME[name]
        if (kind == "integer") == isinstance(value, int):
            return value
    if fmt == "date-time":
        return "2026-03-14T10:30:00+01:00"
    if fmt == "date":
        return "2026-12-31"
    if kind == "integer":
        return max(1, int(schema.get("minimum", 1)))
    if kind == "number":
        return 1.5
    if kind == "boolean":
        return True
    return "texte"
