"""The places' workspace blueprint and its helpers (field-level errors, the document
store)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask import Blueprint, current_app, g, render_template

from voucher.domain.errors import DomainError
from voucher.web.db import db
from voucher.web.errors import status_for

bp = Blueprint("places", __name__, url_prefix="/lieu")


def store() -> Path:
    """Where documents are kept: the instance folder, never under the static folder."""
    return Path(current_app.instance_path) / "documents"


#: the field a refusal points at when the rule that raised it does not name one
FIELD_OF = {
    "invalid_iban": "iban",
    "invalid_bic": "iban",
    "invalid_siret": "siret",
    "invalid_address": "street",
    "invalid_insee_code": "commune_insee",
}


def invalid(
    exc: DomainError, template: str, context: Callable[[], dict[str, Any]]
) -> tuple[str, int]:
    """Nothing of this request is kept; the page comes back with an error summary and
    the message next to the field that caused it (``errors``: field -> message)."""
    db().rollback()
    g.rollback = True
    field = str(exc.details.get("field") or FIELD_OF.get(exc.code, ""))
    errors = {field or "_": exc.message}
    return render_template(template, **{**context(), "errors": errors}), status_for(exc.code)


STATUS_FR = {
    "draft": "brouillon",
    "submitted": "envoyé, en cours d'examen",
    "correction": "correction demandée",
    "validated": "validé",
}
DOC_STATUS_FR = {
    "pending": "en attente d'examen",
    "correction": "à corriger",
    "validated": "validé",
}


@bp.context_processor
def _words() -> dict[str, Any]:
    return {"status_fr": STATUS_FR, "doc_status_fr": DOC_STATUS_FR}
