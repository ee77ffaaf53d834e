"""The JSON API, ``/api/v1``: flask-smorest blueprints, one module per resource.

Rules kept:

* OpenAPI 3 at ``GET /api/v1/openapi.json``, a readable page at ``GET /api/v1/docs``
  rendered by the app itself (no CDN, no script);
* Bearer API keys only (no cookie), hence exempt from CSRF; every error under ``/api/``
  is ``application/problem+json`` with a stable ``code`` (:mod:`.problems`), including
  unknown routes, wrong methods, oversized and non-JSON bodies;
* request bodies are JSON (415 otherwise) and small (``API_MAX_BODY``, 1 MiB by default:
  a batch of 1,000 scans is about 200 kB).
"""

from __future__ import annotations

import http
from typing import Any

from flask import Flask, Response, current_app, json, request
from flask_smorest import Api
from werkzeug.exceptions import UnsupportedMediaType

from schemas.api.common import ProblemSchema
from voucher.web import errors
from voucher.web.api import contract, problems, security

API_PREFIX = "/api/"
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
DESCRIPTION = (
    "API JSON du registre des pass numériques. Authentification : en-tête "
    "`Authorization: Bearer <clé>` (clé créée par `voucher apikey create`). Erreurs : "
    "`application/problem+json` avec un `code` stable. Écritures rejouables sans effet double : "
    "en-tête `Idempotency-Key`. Voir docs/api.md."
)


class VoucherApi(Api):
    """flask-smorest, minus its app-wide error handler (the web shell's handlers answer,
    and hand ``/api/`` errors to :func:`problems.render`), with problem+json error docs."""

    ERROR_SCHEMA = ProblemSchema
    _document: dict[str, Any] | None = None

    def document(self) -> dict[str, Any]:
        """The OpenAPI document, completed by :mod:`.contract` (built once)."""
        if self._document is None:
            self._document = contract.build(self.spec.to_dict())
        return self._document

    def _openapi_json(self) -> Response:
        return Response(json.dumps(self.document(), indent=2), mimetype="application/json")

    def _register_error_handlers(self) -> None:
        return None

    def _register_responses(self) -> None:
        for status in http.HTTPStatus:
            response: dict[str, Any] = {"description": status.phrase}
            if status >= 400:
                response["content"] = {problems.PROBLEM_JSON: {"schema": ProblemSchema}}
            self.spec.components.response(status.name, response, lazy=True)
        self.spec.components.response(
            "DEFAULT_ERROR",
            {
                "description": "Erreur (problem+json, RFC 9457)",
                "content": {problems.PROBLEM_JSON: {"schema": ProblemSchema}},
            },
            lazy=True,
        )


def _config(app: Flask) -> None:
    app.config.setdefault("API_TITLE", "Registre des pass numériques")
    app.config.setdefault("API_VERSION", "1")
    app.config.setdefault("OPENAPI_VERSION", "3.0.3")
    app.config.setdefault("OPENAPI_URL_PREFIX", "/api/v1")
    app.config.setdefault("OPENAPI_JSON_PATH", "openapi.json")
    app.config.setdefault("API_MAX_BODY", 1024 * 1024)
    app.config.setdefault(
        "API_SPEC_OPTIONS",
        {
            "info": {"description": DESCRIPTION},
            "security": [{"bearerAuth": []}],
            "components": {
                "securitySchemes": {
                    "bearerAuth": {
                        "type": "http",
                        "scheme": "bearer",
                        "description": "clé d'API de l'organisation",
                    }
                }
            },
        },
    )
    security.configure(app)


def _guard() -> None:
    if not request.path.startswith(API_PREFIX):
        return
    request.max_content_length = int(current_app.config["API_MAX_BODY"])
    has_body = bool(request.content_length or request.headers.get("Transfer-Encoding"))
    if request.method in WRITES and has_body and request.mimetype != "application/json":
        raise UnsupportedMediaType()


def register(app: Flask) -> None:
    from voucher.web.api import (
        audit,
        batches,
        books,
        disputes,
        holds,
        jobs,
        me,
        meta,
        pack,
        programmes,
        redemptions,
        statements,
        structures,
        vouchers,
        webhooks,
    )
    from voucher.web.auth import csrf

    _config(app)
    api = VoucherApi(app)
    app.extensions["voucher.api"] = api
    for module in (
        meta,
        me,
        vouchers,
        redemptions,
        programmes,
        batches,
        books,
        structures,
        holds,
        disputes,
        statements,
        audit,
        webhooks,
        pack,
        jobs,
    ):
        api.register_blueprint(module.blp)
        csrf.exempt(module.blp)
    csrf.exempt(app.blueprints["api-docs"])
    errors.RENDERERS[API_PREFIX] = problems.render
    app.before_request(_guard)
