"""Input hygiene at one boundary, before any view: what no handler ever has to defend
against.

Rules kept (each refusal is problem+json under ``/api/``, the error page elsewhere, with
a stable code; nothing is read from the database or written before it):

* an address (path and query) longer than :data:`MAX_URI` → 414 ``uri_too_long``; a
  header longer than :data:`MAX_HEADER` → 431 ``header_too_large``;
* a path, query value, form field or header holding a character no client text may hold
  (:func:`voucher.domain.text.defect`: lone surrogate, NUL, control character) → 400
  ``invalid_text``;
* a body that breaks off or whose chunks are malformed → 400 ``bad_request``;
* a JSON body: not UTF-8 → 400 ``invalid_encoding``; not JSON → 400 ``invalid_json``;
  nested deeper than :data:`MAX_DEPTH` → 400 ``json_too_deep``; a key or a string holding
  a refused character → 400 ``invalid_text``; bigger than the allowed size → 413
  ``payload_too_large`` (:mod:`voucher.web.api`). The parsed body is what the view reads;
* a view answering item by item (an offline batch, :func:`itemised`) gets the items of its
  list even when one holds refused text: each item is judged on its own (its schema
  refuses the text), so one bad scan never sinks its neighbours.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, current_app, request
from werkzeug.exceptions import HTTPException

from voucher.domain import text
from voucher.domain.errors import DomainError, register

F = TypeVar("F", bound=Callable[..., Any])

MAX_URI = 4096
MAX_HEADER = 8192
MAX_DEPTH = 32
#: header text may hold latin-1 bytes of UTF-8 text: only C0 controls and DEL are refused
_HEADER_BAD = re.compile("[\x00-\x08\x0a-\x1f\x7f]")

for _code, _message in {
    "uri_too_long": "Adresse trop longue.",
    "header_too_large": "En-tête de requête trop long.",
    "invalid_text": "Le texte envoyé contient des caractères interdits (caractère nul, de contrôle ou Unicode invalide).",
    "invalid_encoding": "Le corps de la requête n'est pas encodé en UTF-8.",
    "json_too_deep": f"JSON trop imbriqué (au plus {MAX_DEPTH} niveaux).",
}.items():
    register(_code, _message)


def itemised(field: str) -> Callable[[F], F]:
    """Mark a view whose JSON list ``field`` is judged item by item (see module rules)."""

    def mark(view: F) -> F:
        view.itemised = field  # type: ignore[attr-defined]
        return view

    return mark


def _items_field() -> str | None:
    view = current_app.view_functions.get(request.endpoint or "")
    return getattr(view, "itemised", None)


def _check_headers() -> None:
    for _name, value in request.headers.items():
        if len(value) > MAX_HEADER:
            raise DomainError("header_too_large")
        if _HEADER_BAD.search(value):
            raise DomainError("invalid_text", field="headers")


def _check_address() -> None:
    raw = request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or ""
    size = max(
        len(raw), len(request.environ.get("PATH_INFO", "")) + len(request.query_string or b"")
    )
    if size > MAX_URI:
        raise DomainError("uri_too_long")
    if text.defect(request.path):
        raise DomainError("invalid_text", field="path")
    for name, value in request.args.items(multi=True):
        if text.defect(name) or text.defect(value):
            raise DomainError("invalid_text", field="query")


def _check_form() -> None:
    if request.mimetype not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        return
    for name, value in request.form.items(multi=True):
        if text.defect(name) or text.defect(value):
            raise DomainError("invalid_text", field="form")


def _walk(value: Any, depth: int, items: str | None) -> None:
    """Raise on a value nested too deep or holding refused text (``items``: the top-level
    list whose items are judged one by one, by their own schema)."""
    if depth > MAX_DEPTH:
        raise DomainError("json_too_deep")
    if isinstance(value, str):
        if text.defect(value):
            raise DomainError("invalid_text", field="body")
    elif isinstance(value, dict):
        for key, inner in value.items():
            if text.defect(key):
                raise DomainError("invalid_text", field="body")
            if depth == 1 and key == items and isinstance(inner, list):
                for item in inner:
                    _depth_only(item, depth + 2)
            else:
                _walk(inner, depth + 1, None)
    elif isinstance(value, list):
        for inner in value:
            _walk(inner, depth + 1, None)


def _depth_only(value: Any, depth: int) -> None:
    if depth > MAX_DEPTH:
        raise DomainError("json_too_deep")
    children = value.values() if isinstance(value, dict) else value
    if isinstance(value, dict | list):
        for inner in children:
            _depth_only(inner, depth + 1)


def _check_json() -> None:
    if not request.is_json or not (
        request.content_length or request.headers.get("Transfer-Encoding")
    ):
        return
    try:
        raw = request.get_data(cache=True)
    except HTTPException:
        raise
    except Exception:  # the body broke off or its chunks are malformed (the server's reader)
        raise DomainError("bad_request", field="body") from None
    if not raw:
        return
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        raise DomainError("invalid_encoding") from None
    try:
        data = json.loads(decoded)
    except RecursionError:
        raise DomainError("json_too_deep") from None
    except ValueError:
        raise DomainError("invalid_json") from None
    _walk(data, 1, _items_field())
    request._cached_json = (data, data)


def check() -> None:
    """The boundary itself (a ``before_request`` hook)."""
    _check_address()
    _check_headers()
    try:
        _check_form()
        _check_json()
    except HTTPException:
        raise
    except RecursionError:
        raise DomainError("json_too_deep") from None


def init_app(app: Flask) -> None:
    """Register the boundary; call it after every blueprint's own ``before_request``
    (the API's sets the body size allowed before this reads the body)."""
    app.before_request(check)
