"""The operator's review of places' files: the queue of files sent and documents waiting,
one file with its answers, sites and documents; validate a document or ask for its
correction with a message; validate the file (which grants the label) or send it back.
Only an administrator of the operator organisation sees any of it (404 for others)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, url_for

from voucher.db.models import BankAccount, Organisation, PlaceDocument
from voucher.db.queries import partners
from voucher.domain import places, uploads
from voucher.domain.errors import DomainError
from voucher.services.organisations import bank_details, documents, organisations, qualification
from voucher.web import forms
from voucher.web.auth import current_actor, current_org_id, role_required
from voucher.web.db import db, writes
from voucher.web.places.blueprint import bp, invalid


def _operator_only() -> None:
    org = db().get(Organisation, current_org_id())
    if org is None or not org.is_operator:
        abort(404)


def _file(org_id: int) -> dict[str, Any]:
    session = db()
    try:
        app = qualification.application(session, org_id)
    except DomainError:
        abort(404)
    return {
        "org": organisations.get_organisation(session, org_id),
        "app": app,
        "sites": qualification.sites(session, org_id),
        "documents": documents.of_organisation(session, org_id),
        "kinds": uploads.KINDS,
        "legal_forms": uploads.LEGAL_FORMS,
        "eligible": qualification.eligible(app),
        "hours_fr": places.hours_in_french,
        "accessibility": places.ACCESSIBILITY,
        "bank": partners.bank_history(session, org_id),
        "errors": {},
    }


@bp.get("/revue")
@role_required("admin")
def queue() -> str:
    _operator_only()
    return render_template(
        "places/queue.html",
        files=qualification.queue(db()),
        waiting=documents.pending(db()),
        kinds=uploads.KINDS,
    )


@bp.get("/revue/<int:org_id>")
@role_required("admin")
def review_file(org_id: int) -> str:
    _operator_only()
    return render_template("places/review.html", **_file(org_id))


@bp.post("/revue/documents/<int:document_id>")
@writes
@role_required("admin")
def decide_document(document_id: int) -> Any:
    _operator_only()
    doc = db().get(PlaceDocument, document_id)
    if doc is None:
        abort(404)
    org_id = doc.organisation_id
    try:
        documents.decide(
            db(),
            current_actor(),
            document_id,
            **_decision(),
        )
    except DomainError as exc:
        return invalid(exc, "places/review.html", lambda: _file(org_id))
    flash("Décision enregistrée.", "success")
    return redirect(url_for("places.review_file", org_id=org_id), code=303)


def _decision() -> dict[str, Any]:
    """What every decision form of the review sends: validate or ask for a correction, and
    the note that goes with it."""
    return {
        "validate": forms.text("decision", max_len=12) == "valider",
        "note": forms.optional("note", 500),
    }


@bp.post("/revue/<int:org_id>/decision")
@writes
@role_required("admin")
def decide_file(org_id: int) -> Any:
    _operator_only()
    _file(org_id)
    try:
        decision = _decision()
        validate = decision["validate"]
        qualification.decide(db(), current_actor(), org_id, **decision)
    except DomainError as exc:
        return invalid(exc, "places/review.html", lambda: _file(org_id))
    flash(
        "Dossier validé : le label est accordé." if validate else "Correction demandée au lieu.",
        "success",
    )
    return redirect(url_for("places.queue"), code=303)


@bp.post("/revue/<int:org_id>/banque/<int:account_id>")
@writes
@role_required("admin")
def decide_bank(org_id: int, account_id: int) -> Any:
    """The existing rule: validated by someone other than the person who entered them."""
    _operator_only()
    account = db().get(BankAccount, account_id)
    if account is None or account.organisation_id != org_id:
        abort(404)
    try:
        bank_details.decide_bank_details(
            db(),
            current_actor(),
            account_id,
            **_decision(),
        )
    except DomainError as exc:
        return invalid(exc, "places/review.html", lambda: _file(org_id))
    flash("Décision sur les coordonnées bancaires enregistrée.", "success")
    return redirect(url_for("places.review_file", org_id=org_id), code=303)
