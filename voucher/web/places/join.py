"""A place joins by itself: account creation from its SIRET, then its file, one step at a
time (questionnaire, services, addresses of presence, documents), then sending it.

Each step is its own form and is saved on its own; a refusal shows an error summary at
the top of the page and the message next to the field (``aria-invalid``), and keeps
nothing. A document is served only to its own organisation and to the operator (404 to
anyone else), as an attachment that the browser never interprets.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import login_user
from werkzeug.wrappers import Response

from voucher.db.models import Organisation
from voucher.db.queries import partners
from voucher.domain import places, uploads
from voucher.domain.errors import MESSAGES, DomainError
from voucher.services.organisations import bank_details, documents, organisations, qualification
from voucher.web import forms
from voucher.web.auth import SessionUser, current_actor, current_org_id, role_required
from voucher.web.db import db, writes
from voucher.web.limits import limiter
from voucher.web.places.blueprint import bp, invalid, store


def _context(org_id: int) -> dict[str, Any]:
    s = db()
    app = qualification.application(s, org_id)
    return {
        "org": organisations.get_organisation(s, org_id),
        "app": app,
        "steps": qualification.STEPS,
        "questions": qualification.questions(s),
        "services": places.SERVICES,
        "accessibility": places.ACCESSIBILITY,
        "legal_forms": uploads.LEGAL_FORMS,
        "kinds": uploads.KINDS,
        "required": uploads.REQUIRED_BY_FORM.get(app.legal_form or "", ()),
        "missing": documents.missing(s, org_id, app.legal_form),
        "sites": qualification.sites(s, org_id),
        "documents": documents.of_organisation(s, org_id),
        "eligible": qualification.eligible(app),
        "hours_fr": places.hours_in_french,
        "bank": partners.bank_history(s, org_id),
        "errors": {},
    }


def _is_operator(org_id: int) -> bool:
    org = db().get(Organisation, org_id)
    return bool(org and org.is_operator)


def _mine() -> int:
    org_id = current_org_id()
    try:
        qualification.application(db(), org_id)
    except DomainError:
        abort(404)
    return org_id


@bp.get("/inscription")
def signup_form() -> str:
    return render_template("places/signup.html", errors={})


@bp.post("/inscription")
@writes
@limiter.limit("20 per hour", methods=["POST"])
def signup() -> Any:
    try:
        password = forms.text("password", max_len=200)
        if password != (request.form.get("password_again") or ""):
            raise DomainError(
                "invalid_value", "Les deux mots de passe diffèrent.", field="password_again"
            )
        org, user = qualification.register_place(
            db(),
            current_actor(),
            siret=forms.text("siret", max_len=20),
            email=forms.text("email"),
            name=forms.text("name"),
            password=password,
        )
    except DomainError as exc:
        return invalid(exc, "places/signup.html", dict)
    session.clear()  # a fresh session for the new account, as the sign-in form does
    login_user(SessionUser(user, [(org.id, "reception")]))
    flash(f"Compte créé pour « {org.name} ». Complétez maintenant votre dossier.", "success")
    return redirect(url_for("places.index"), code=303)


@bp.get("/")
@role_required("reception", "admin")
def index() -> Any:
    """A place's home: its file when it joined by itself, else its statements."""
    org_id = current_org_id()
    if _is_operator(org_id):
        return redirect(url_for("places.queue"))
    try:
        qualification.application(db(), org_id)
    except DomainError:
        org = db().get(Organisation, org_id)
        if org is None or not org.is_structure:
            abort(404)
        return redirect(url_for("finance.structure_statements"))
    return render_template("places/index.html", **_context(org_id))


def _step(action: Any, done: str) -> Any:
    org_id = _mine()
    try:
        action(org_id)
    except DomainError as exc:
        return invalid(exc, "places/index.html", lambda: _context(org_id))
    flash(done, "success")
    return redirect(url_for("places.index"), code=303)


@bp.post("/questionnaire")
@writes
@role_required("reception", "admin")
def questionnaire() -> Any:
    def act(org_id: int) -> None:
        answers = {
            q.id: (request.form.get(f"q{q.id}") or "") for q in qualification.questions(db())
        }
        qualification.save_questionnaire(
            db(),
            current_actor(),
            org_id,
            legal_form=forms.text("legal_form", max_len=20),
            answers=answers,
            phone=forms.optional("phone", 20),
        )

    return _step(act, "Questionnaire enregistré.")


@bp.post("/services")
@writes
@role_required("reception", "admin")
def services() -> Any:
    def act(org_id: int) -> None:
        qualification.save_services(
            db(),
            current_actor(),
            org_id,
            chosen=request.form.getlist("services"),
            summary=forms.optional("summary", 280) or "",
        )

    return _step(act, "Services enregistrés.")


@bp.post("/lieux")
@writes
@role_required("reception", "admin")
def add_site() -> Any:
    def act(org_id: int) -> None:
        qualification.add_site(
            db(),
            current_actor(),
            org_id,
            name=forms.text("site_name"),
            address=organisations.Address(
                street_number=forms.optional("street_number", 20) or "",
                street=forms.text("street"),
                postcode=forms.text("postcode", max_len=10),
                town=forms.text("town", max_len=100),
            ),
            commune_insee=forms.optional("commune_insee", 5),
            hours=forms.optional("hours", 300),
            hours_text=forms.optional("hours_text", 500),
            accessibility=request.form.getlist("accessibility"),
        )

    return _step(act, "Adresse de présence ajoutée.")


@bp.post("/lieux/<int:site_id>/retirer")
@writes
@role_required("reception", "admin")
def remove_site(site_id: int) -> Any:
    return _step(
        lambda org_id: qualification.remove_site(db(), current_actor(), org_id, site_id),
        "Adresse retirée.",
    )


@bp.post("/documents")
@writes
@role_required("reception", "admin")
def upload() -> Any:
    def act(org_id: int) -> None:
        sent = request.files.get("file")
        if sent is None or not sent.filename:
            raise DomainError("upload_empty", field="file")
        data = sent.stream.read(uploads.MAX_BYTES + 1)
        documents.upload(
            db(),
            current_actor(),
            store(),
            org_id,
            kind=forms.text("kind", max_len=20),
            filename=sent.filename,
            data=data,
        )

    return _step(act, "Justificatif envoyé : l'opérateur va l'examiner.")


@bp.post("/banque")
@writes
@role_required("reception", "admin")
def bank() -> Any:
    def act(org_id: int) -> None:
        bank_details.set_bank_details(
            db(),
            current_actor(),
            org_id,
            holder_name=forms.text("holder_name", max_len=140),
            iban=forms.text("iban", max_len=50),
        )

    return _step(act, "Coordonnées bancaires enregistrées : l'opérateur les validera.")


@bp.post("/envoyer")
@writes
@role_required("reception", "admin")
def submit() -> Any:
    return _step(
        lambda org_id: qualification.submit(db(), current_actor(), org_id),
        "Dossier envoyé : l'opérateur va l'examiner.",
    )


@bp.get("/documents/<int:document_id>")
@role_required("reception", "admin")
def document(document_id: int) -> Response:
    org_id = current_org_id()
    doc = documents.visible(
        db(), document_id, organisation_id=org_id, operator=_is_operator(org_id)
    )
    data = documents.read(store(), doc)
    return Response(
        data,
        mimetype=doc.media_type,
        headers={
            "Content-Disposition": f'attachment; filename="document-{doc.id}{_suffix(doc)}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
            "Content-Security-Policy": "sandbox; default-src 'none'",
        },
    )


def _suffix(doc: Any) -> str:
    return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}[doc.media_type]


HELP_REFUSALS = (
    "siret_unknown",
    "siret_closed",
    "upload_type",
    "upload_name",
    "upload_path",
    "upload_too_large",
    "invalid_hours",
    "application_incomplete",
    "not_eligible",
)


@bp.get("/aide")
def help_page() -> str:
    """Public help in plain French: what a place needs and how its file goes."""
    return render_template(
        "places/help.html",
        required=uploads.REQUIRED_BY_FORM,
        legal_forms=uploads.LEGAL_FORMS,
        kinds=uploads.KINDS,
        refusals=[(c, MESSAGES[c]) for c in HELP_REFUSALS],
    )
