"""Reading form fields into typed values, with French refusals (``invalid_value`` naming
the field) instead of crashes; and the one way a workspace view reports a refusal: roll
back, flash the French message, render the same page again with the right status.
Another organisation's object is always a plain 404 (``not_found``)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Flask, abort, flash, g, render_template, request

from voucher.domain.errors import DomainError
from voucher.domain.money import parse_eur
from voucher.web.db import db
from voucher.web.errors import status_for


def text(name: str, *, required: bool = True, max_len: int = 200) -> str:
    value = (request.form.get(name) or "").strip()
    if required and not value:
        raise DomainError(
            "invalid_value", f"Champ obligatoire : {LABELS.get(name, name)}.", field=name
        )
    if len(value) > max_len:
        raise DomainError(
            "invalid_value", f"Texte trop long : {LABELS.get(name, name)}.", field=name
        )
    return value


def optional(name: str, max_len: int = 200) -> str | None:
    return text(name, required=False, max_len=max_len) or None


def integer(
    name: str, *, minimum: int | None = None, maximum: int | None = None, required: bool = True
) -> int | None:
    raw = (request.form.get(name) or "").strip().replace("\u202f", "").replace(" ", "")
    if not raw and not required:
        return None
    if not raw.lstrip("-").isdigit():
        raise DomainError(
            "invalid_value", f"Nombre entier attendu : {LABELS.get(name, name)}.", field=name
        )
    value = int(raw)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise DomainError(
            "invalid_value", f"Valeur hors limites : {LABELS.get(name, name)}.", field=name
        )
    return value


def need_int(name: str, **kw: Any) -> int:
    value = integer(name, required=True, **kw)
    assert value is not None
    return value


def euros(name: str) -> int:
    try:
        cents = parse_eur(text(name, max_len=30))
    except ValueError:
        raise DomainError(
            "invalid_amount", "Montant invalide : écrivez par exemple 1500 ou 1 500,00.", field=name
        ) from None
    if cents <= 0:
        raise DomainError("invalid_amount")
    return cents


def day(name: str, *, required: bool = True) -> date | None:
    raw = text(name, required=required, max_len=10)
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise DomainError(
            "invalid_dates", f"Date invalide : {LABELS.get(name, name)} (AAAA-MM-JJ).", field=name
        ) from None


def need_day(name: str) -> date:
    value = day(name, required=True)
    assert value is not None
    return value


def ids(name: str) -> list[int]:
    out = []
    for raw in request.form.getlist(name):
        if raw.strip():
            if not raw.strip().isdigit():
                raise DomainError("invalid_value", field=name)
            out.append(int(raw))
    return out


def share_bp(raw: str, field: str) -> int:
    """``"50"`` or ``"33,34"`` (per cent) -> basis points."""
    cleaned = raw.strip().replace("%", "").replace(",", ".").strip()
    try:
        whole, _, frac = cleaned.partition(".")
        if not whole.isdigit() or (frac and (not frac.isdigit() or len(frac) > 2)):
            raise ValueError(raw)
        return int(whole) * 100 + int((frac or "0").ljust(2, "0"))
    except ValueError:
        raise DomainError("invalid_shares", field=field) from None


def fail(exc: DomainError) -> int:
    """Nothing of this request is kept; the person reads why. Returns the HTTP status.

    The page shown next (the same form, rendered again) opens with the error summary (each
    message linked to its field) and marks the field: its message by it, ``aria-invalid``
    (see ``templates/macros.html``). A view that redirects instead still shows the message,
    as a flash on the next page."""
    db().rollback()  # what the page shows next must not include the refused half-change
    g.rollback = True
    if exc.code == "not_found":
        abort(404)
    field = exc.details.get("field")
    g.form_errors = [
        *g.get("form_errors", []),
        (field if isinstance(field, str) else "", exc.message),
    ]
    flash(exc.message, "error")
    return status_for(exc.code)


def form_errors() -> list[tuple[str, str]]:
    """(field name or "", French message) of the refusal being shown, for the summary."""
    found: list[tuple[str, str]] = g.get("form_errors", [])
    return found


def field_error(name: str) -> str | None:
    return next((message for field, message in form_errors() if field == name), None)


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(form_errors=form_errors, field_error=field_error)


def refuse(exc: DomainError, template: str, **context: Any) -> tuple[str, int]:
    """Refuse and render the same form again, so the person can fix it."""
    status = fail(exc)
    return render_template(template, **context), status


def confirmed() -> bool:
    """An irreversible act is done only once the person has seen what it does and said yes
    (the confirmation page posts the same form again with ``confirm=yes``)."""
    return request.form.get("confirm") == "yes"


def confirmation(
    *,
    title: str,
    facts: list[tuple[str, str]],
    warning: str,
    button: str,
    back: str,
    keep: list[tuple[str, str]] | None = None,
    changed: str | None = None,
) -> tuple[str, int]:
    """The page asking to confirm: what will happen, with its figures; nothing written yet.
    ``keep``: fields posted again with the answer (what was typed, the figures confirmed)."""
    if keep is None:
        keep = [(k, v) for k, v in request.form.items() if k not in ("csrf_token", "confirm")]
    page = render_template(
        "confirm.html",
        title=title,
        facts=facts,
        warning=warning,
        button=button,
        back=back,
        keep=keep,
        action=request.path,
        changed=changed,
    )
    return page, 409 if changed else 200


LABELS = {
    "email": "adresse électronique",
    "name": "nom",
    "password": "mot de passe",
    "siret": "SIRET",
    "street": "rue",
    "postcode": "code postal",
    "town": "ville",
    "commune_insee": "code commune INSEE",
    "books": "nombre de carnets",
    "amount": "montant",
    "received_on": "date de réception",
    "valid_from": "début de validité",
    "valid_until": "fin de validité",
    "grace_days": "délai de grâce",
    "face_value": "valeur faciale",
    "vouchers_per_book": "chèques par carnet",
    "serial": "numéro de carnet",
    "local_reference": "référence locale",
    "label": "label",
    "holder_name": "titulaire du compte",
    "iban": "IBAN",
    "cancel_window_minutes": "délai d'annulation",
    "communes": "communes",
    "observed_on": "date du suivi",
    "answer": "réponse",
}
