"""Every API error as ``application/problem+json`` (RFC 9457), never a stack trace.

Body: ``type`` (a link to the code's entry in the API documentation), ``title`` (French,
the same for every occurrence of the code), ``status``, ``detail`` (French, this
occurrence), ``code`` (the stable machine code, the same as the domain's) and, for
validation errors, ``errors`` (field -> French messages). Only details known to be safe
are copied from a refusal (never another organisation's id, never SQL).
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Response, current_app, request
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from voucher.domain.errors import MESSAGES, DomainError, register
from voucher.web import errors, limits

PROBLEM_JSON = "application/problem+json"
DOCS = "/api/v1/docs"

HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_request",
    429: "rate_limited",
    500: "internal_error",
}
for _code, _message in {
    "bad_request": "Requête incorrecte.",
    "invalid_json": "Le corps de la requête n'est pas un JSON lisible.",
    "unauthenticated": "Clé d'API manquante : envoyez l'en-tête « Authorization: Bearer <clé> ».",
    "invalid_api_key": "Clé d'API inconnue ou révoquée.",
    "method_not_allowed": "Méthode non autorisée sur cette adresse.",
    "not_acceptable": "Format de réponse non disponible : cette API répond en JSON.",
    "payload_too_large": "Requête trop volumineuse.",
    "unsupported_media_type": "Envoyez le corps de la requête en JSON (Content-Type: application/json).",
    "invalid_request": "La requête contient des champs absents ou invalides.",
    "rate_limited": "Trop de requêtes : patientez un moment avant de réessayer.",
    "internal_error": "Erreur interne : l'équipe technique a été prévenue. Rien n'a été enregistré.",
    "database_unavailable": "Service momentanément indisponible : rien n'a été enregistré, réessayez dans un instant.",
}.items():
    register(_code, _message)

#: statuses of codes the web shell's table (voucher.web.errors.STATUS) does not know
API_STATUS = {
    "unauthenticated": 401,
    "invalid_api_key": 401,
    "invalid_request": 422,
    "invalid_json": 400,
    "rate_limited": 429,
    "bad_request": 400,
    "payload_too_large": 413,
    "unsupported_media_type": 415,
    "method_not_allowed": 405,
    "not_acceptable": 406,
    "internal_error": 500,
    "database_unavailable": 503,
    "request_timeout": 503,
}
#: refusal details that may be shown to the caller
SAFE_DETAILS = ("field", "retry_after", "locked_until", "first_redeemed_at", "rule", "object")


def status_of(code: str) -> int:
    return API_STATUS.get(code) or errors.status_for(code)


def body(code: str, status: int, detail: str | None = None, **extra: Any) -> dict[str, Any]:
    title = MESSAGES.get(code, errors.HTTP_MESSAGES.get(status, "Erreur."))
    return {
        "type": f"{DOCS}#code-{code}",
        "title": title,
        "status": status,
        "detail": detail or title,
        "code": code,
        **extra,
    }


def dumps(payload: dict[str, Any]) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def response(payload: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    out = Response(dumps(payload), status=int(payload["status"]), mimetype=PROBLEM_JSON)
    for name, value in (headers or {}).items():
        out.headers[name] = value
    return out


def of_domain(err: DomainError) -> dict[str, Any]:
    extra = {k: err.details[k] for k in SAFE_DETAILS if err.details.get(k) is not None}
    return body(err.code, status_of(err.code), err.message, **extra)


def _retry_headers(payload: dict[str, Any]) -> dict[str, str]:
    headers = {}
    retry = payload.get("retry_after")
    if isinstance(retry, int | float) and payload["status"] in (429, 503):
        headers["Retry-After"] = str(int(retry))
    if payload["status"] == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="api"'
    return headers


def render(err: Exception) -> Response:
    """The renderer registered for ``/api/`` in :data:`voucher.web.errors.RENDERERS`."""
    if isinstance(err, DomainError):
        payload = of_domain(err)
        return response(payload, _retry_headers(payload))
    if isinstance(err, HTTPException):
        return _http(err)
    if isinstance(
        err, OperationalError
    ):  # connection lost, database restarting: nothing was committed
        return response(body("database_unavailable", 503, retry_after=2), {"Retry-After": "2"})
    current_app.logger.error("API %s %s failed", request.method, request.path)
    return response(body("internal_error", 500))


def _http(err: HTTPException) -> Response:
    status = err.code or 500
    data = getattr(err, "data", None) or {}
    messages = data.get("messages") or data.get("errors")
    code = HTTP_CODES.get(status, "bad_request" if status < 500 else "internal_error")
    extra: dict[str, Any] = {}
    if messages:
        extra["errors"] = french(_flatten_locations(messages))
        if status == 400 and "Invalid JSON body." in json.dumps(messages):
            code = "invalid_json"
    if status == 429:
        extra["retry_after"] = limits.retry_after()
    payload = body(code, status, **extra)
    headers = {**dict(data.get("headers") or {}), **_retry_headers(payload)}
    if status == 405 and err.get_headers():
        headers.update({k: v for k, v in err.get_headers() if k == "Allow"})
    return response(payload, headers)


def _flatten_locations(messages: Any) -> Any:
    """webargs nests errors by location (json, query, headers...): merge them."""
    if (
        isinstance(messages, dict)
        and messages
        and set(messages)
        <= {
            "json",
            "query",
            "headers",
            "path",
            "view_args",
            "form",
            "files",
            "cookies",
            "querystring",
        }
    ):
        merged: dict[str, Any] = {}
        for part in messages.values():
            merged.update(part if isinstance(part, dict) else {"_body": part})
        return merged
    return messages


_EXACT = {
    "Missing data for required field.": "Champ obligatoire.",
    "Field may not be null.": "Ce champ ne peut pas être nul.",
    "Unknown field.": "Champ inconnu.",
    "Not a valid string.": "Texte attendu.",
    "Not a valid integer.": "Nombre entier attendu.",
    "Not a valid number.": "Nombre attendu.",
    "Number too large.": "Nombre trop grand.",
    "Not a valid boolean.": "Booléen attendu (true ou false).",
    "Not a valid datetime.": "Date et heure attendues (ISO 8601 avec fuseau, ex. 2026-03-14T10:30:00+01:00).",
    "Not a valid date.": "Date attendue (AAAA-MM-JJ).",
    "Not a valid list.": "Liste attendue.",
    "Not a valid mapping type.": "Objet JSON attendu.",
    "Invalid input type.": "Type de donnée invalide.",
    "Invalid value.": "Valeur invalide.",
    "Invalid JSON body.": "JSON illisible.",
    "String does not match expected pattern.": "Format invalide.",
    "Special numeric values (nan or infinity) are not permitted.": "Nombre fini attendu.",
    "Not a valid aware datetime.": "Date et heure avec fuseau attendues (ex. 2026-03-14T10:30:00+01:00 ou Z).",
}
_PATTERNS = [
    (re.compile(r"^Must be one of: (.*)\.$"), r"Valeur attendue parmi : \1."),
    (
        re.compile(r"^Length must be between (\d+) and (\d+)\.$"),
        r"Longueur attendue entre \1 et \2.",
    ),
    (re.compile(r"^Shorter than minimum length (\d+)\.$"), r"Longueur minimale : \1."),
    (re.compile(r"^Longer than maximum length (\d+)\.$"), r"Longueur maximale : \1."),
    (
        re.compile(r"^Must be greater than or equal to (\S+) and less than or equal to (\S+)\.$"),
        r"Valeur attendue entre \1 et \2.",
    ),
    (re.compile(r"^Must be greater than or equal to (\S+)\.$"), r"Valeur minimale : \1."),
    (re.compile(r"^Must be less than or equal to (\S+)\.$"), r"Valeur maximale : \1."),
]


def french(messages: Any) -> Any:
    """marshmallow/webargs messages in French (our own validators already speak French)."""
    if isinstance(messages, dict):
        return {str(k): french(v) for k, v in messages.items()}
    if isinstance(messages, list | tuple):
        return [french(m) for m in messages]
    text = str(messages)
    if text in _EXACT:
        return _EXACT[text]
    for pattern, replacement in _PATTERNS:
        if pattern.match(text):
            return pattern.sub(replacement, text)
    return text if _looks_french(text) else "Valeur invalide."


_ENGLISH = re.compile(
    r"\b(Not|Must|Invalid|Unknown|Missing|Shorter|Longer|Length|String|Number|field|Field|"
    r"must|should|valid|type|is|be|the|of|or|and)\b"
)


def _looks_french(text: str) -> bool:
    return text in MESSAGES.values() or not _ENGLISH.search(text)
