"""Map domain refusals to HTTP: French message for people, stable code for machines,
never a stack trace."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Flask, render_template, request
from flask.typing import ResponseReturnValue
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException

from voucher.domain.errors import DomainError, register

register(
    "request_timeout",
    "La requête a pris trop de temps : rien n'a été enregistré, réessayez dans un instant.",
)


class RequestDeadline(Exception):
    """Raised inside a request that ran past its deadline (``voucher serve``'s
    ``VOUCHER_REQUEST_DEADLINE``, below gunicorn's own timeout): its transaction is rolled
    back and the client gets 503 ``request_timeout`` instead of a killed worker."""


STATUS = {
    "journal_scope": 403,
    "month_not_over": 409,
    "close_conflict": 409,
    "import_already_applied": 409,  # finance
    "transfer_already_settled": 409,
    "second_approval_same_person": 403,
    "programme_not_expired": 409,  # finance
    "research_not_granted": 403,  # impact
    "release_none": 404,
    "release_unknown": 404,
    "proof_not_approved": 409,
    "proof_missing": 409,
    "proof_already_approved": 409,  # printing
    "book_already_replaced": 409,
    "nothing_to_replace": 409,
    "not_a_replacement": 409,  # printing
    "proof_superseded": 409,
    "proof_unknown": 422,
    "proof_newer_not_approved": 409,
    "print_books_used": 409,
    "nothing_to_print": 409,
    "print_ledger_changed": 409,  # printing: production follows the ledger
    "mistyped_code": 422,
    "unknown_code": 404,
    "not_found": 404,
    "forbidden": 403,
    "already_redeemed": 409,
    "held": 409,
    "duplicate": 409,
    "already_cancelled": 409,
    "already_paid": 409,
    "already_acknowledged": 409,
    "batch_already_active": 409,
    "batch_issuing": 409,
    "scan_id_reused": 422,
    "idempotency_key_reused": 422,
    "too_many_attempts": 429,
    "locked": 429,
    "same_person_review": 403,
    "hold_already_decided": 409,
    "dispute_already_decided": 409,
    "dispute_not_payable": 409,
    "not_your_scan": 403,
    "busy": 409,
    "unauthenticated": 401,
    "invalid_api_key": 401,
    "rate_limited": 429,
    "uri_too_long": 414,  # input hygiene (voucher.web.hygiene)
    "header_too_large": 431,
    "invalid_text": 400,
    "invalid_encoding": 400,
    "json_too_deep": 400,
    "invalid_json": 400,
    "payload_too_large": 413,
    "bad_request": 400,
    "request_timeout": 503,
}

HTTP_MESSAGES = {
    400: "Requête incorrecte.",
    401: "Connexion requise.",
    403: "Accès refusé.",
    404: "Page introuvable.",
    405: "Méthode non autorisée.",
    413: "Fichier trop volumineux.",
    429: "Trop de tentatives : patientez un moment avant de réessayer.",
    500: "Erreur interne : l'équipe technique a été prévenue. Rien n'a été enregistré.",
}


#: path prefix -> renderer answering every error under it in its own format (the JSON API
#: registers "/api/" -> problem+json); pages keep the answers below
RENDERERS: dict[str, Callable[[Exception], Any]] = {}


def _own_renderer(err: Exception) -> Any:
    for prefix, render in RENDERERS.items():
        if request.path.startswith(prefix):
            return render(err)
    return None


def status_for(code: str) -> int:
    return STATUS.get(code, 422)


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json"


def init_app(app: Flask) -> None:
    @app.errorhandler(DomainError)
    def _domain(err: DomainError) -> ResponseReturnValue:
        if (own := _own_renderer(err)) is not None:
            return own
        status = status_for(err.code)
        if wants_json():
            return {"code": err.code, "title": err.message, "status": status}, status
        return render_template(
            "error.html", code=err.code, message=err.message, status=status
        ), status

    @app.errorhandler(HTTPException)
    def _http(err: HTTPException) -> ResponseReturnValue:
        if (own := _own_renderer(err)) is not None:
            return own
        status = err.code or 500
        message = HTTP_MESSAGES.get(status, err.description or "Erreur.")
        if wants_json():
            return {"code": f"http_{status}", "title": message, "status": status}, status
        return render_template(
            "error.html", code=f"http_{status}", message=message, status=status
        ), status

    @app.errorhandler(OperationalError)
    def _database_down(err: OperationalError) -> ResponseReturnValue:
        # connection lost or database restarting: nothing was committed, the client may retry
        app.logger.warning("database unavailable: %s", err.__class__.__name__)
        if (own := _own_renderer(err)) is not None:
            return own
        message = "Service momentanément indisponible : rien n'a été enregistré, réessayez dans un instant."
        if wants_json():
            body = {
                "type": "about:blank",
                "code": "database_unavailable",
                "title": message,
                "status": 503,
            }
            return body, 503, {"Retry-After": "2", "Content-Type": "application/problem+json"}
        return render_template(
            "error.html", code="database_unavailable", message=message, status=503
        ), 503

    @app.errorhandler(RequestDeadline)
    def _late(err: RequestDeadline) -> ResponseReturnValue:
        app.logger.warning("request deadline passed: %s %s", request.method, request.path)
        return _domain(DomainError("request_timeout", retry_after=5))

    @app.errorhandler(Exception)
    def _crash(err: Exception) -> ResponseReturnValue:
        app.logger.exception("unhandled error", exc_info=err)
        if (own := _own_renderer(err)) is not None:
            return own
        message = HTTP_MESSAGES[500]
        if wants_json():
            return {"code": "internal_error", "title": message, "status": 500}, 500
        return render_template(
            "error.html", code="internal_error", message=message, status=500
        ), 500
