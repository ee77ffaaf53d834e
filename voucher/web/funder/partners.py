"""Funder's desk, partners side: pilot zones, the directory of prescribers and structures
(created one by one or imported from the national *lieux de médiation numérique* file),
their labels, and bank details entered by one person and validated by another.

The directory and the zones are shared reference data (docs/roles.md); an operator-only
organisation, or a bank account that is not the organisation's, answers 404. A bad import
file changes nothing and says why in French.
"""

from __future__ import annotations

import re
from typing import Any

from flask import abort, flash, redirect, render_template, request, session, url_for

from voucher.db.models import BankAccount, Organisation
from voucher.db.queries import admin as admin_queries
from voucher.db.queries import funder as fq
from voucher.db.queries import partners as pq
from voucher.domain import lieux
from voucher.domain.errors import DomainError
from voucher.services.organisations import bank_details, directory
from voucher.services.organisations import organisations as reference
from voucher.services.programmes import zones as pilot_zones
from voucher.web import forms
from voucher.web.admin.views import ORG_ROLES_FR, address_from_form
from voucher.web.auth import current_actor, role_required
from voucher.web.db import db, writes
from voucher.web.funder.blueprint import FUNDER, bp

KINDS_FR = {"rural": "rurale", "urban": "urbaine"}
BANK_STATUS_FR = {
    "pending": "à valider",
    "validated": "validé",
    "rejected": "rejeté",
    "replaced": "remplacé",
    "suspended": "suspendu (retour de la banque)",
}
PARTNER_ROLES = {k: v for k, v in ORG_ROLES_FR.items() if k in ("prescriber", "structure")}
MAX_IMPORT_BYTES = 5 * 1024 * 1024
SHOWN_SKIPPED = 40  # skipped lines shown after an import (the session cookie stays small)


# ---- pilot zones ---------------------------------------------------------------------


def _zones_page(status: int = 200) -> tuple[str, int]:
    return render_template("funder/zones.html", zones=fq.zones(db()), kinds=KINDS_FR), status


@bp.get("/zones")
@role_required(FUNDER)
def zones() -> Any:
    return _zones_page()


def parse_communes(text: str) -> list[tuple[str, str | None, int | None]]:
    """One commune per line: ``INSEE code[; name[; density class 1-3]]``."""
    out: list[tuple[str, str | None, int | None]] = []
    for number, line in enumerate(text.splitlines(), start=1):
        parts = [p.strip() for p in re.split(r"[;\t]", line)]
        if not parts or not parts[0]:
            continue
        density = parts[2] if len(parts) > 2 and parts[2] else None
        if density is not None and density not in ("1", "2", "3"):
            raise DomainError(
                "invalid_value",
                f"Ligne {number} : la densité doit valoir 1, 2 ou 3.",
                field="communes",
            )
        out.append(
            (
                parts[0],
                (parts[1] if len(parts) > 1 else "") or None,
                int(density) if density else None,
            )
        )
    if not out:
        raise DomainError("invalid_value", "Indiquez au moins une commune.", field="communes")
    return out


@bp.post("/zones")
@writes
@role_required(FUNDER)
def create_zone() -> Any:
    try:
        zone = pilot_zones.create_zone(
            db(),
            current_actor(),
            name=forms.text("name"),
            kind=forms.text("kind", max_len=5),
            communes=parse_communes(request.form.get("communes") or ""),
        )
    except DomainError as exc:
        return _zones_page(forms.fail(exc))
    flash(f"Zone « {zone.name} » créée ({len(zone.communes)} communes).", "success")
    return redirect(url_for("funder.zones"), code=303)


# ---- organisations -------------------------------------------------------------------


def _orgs_page(status: int = 200, report: dict[str, Any] | None = None) -> tuple[str, int]:
    search = (request.args.get("q") or "").strip()[:100]
    return render_template(
        "funder/organisations.html",
        orgs=pq.directory(db(), search),
        search=search,
        report=report,
        org_roles_fr=PARTNER_ROLES,
        org_form_action=url_for("funder.create_organisation"),
    ), status


@bp.get("/organisations")
@role_required(FUNDER)
def organisations() -> Any:
    return _orgs_page(200, session.pop("import_report", None))


@bp.post("/organisations")
@writes
@role_required(FUNDER)
def create_organisation() -> Any:
    try:
        roles = {r for r in PARTNER_ROLES if request.form.get(f"role_{r}")}
        if not roles:
            raise DomainError(
                "invalid_value",
                "Choisissez au moins un rôle : prescripteur ou lieu.",
                field="roles",
            )
        org = reference.create_organisation(
            db(),
            current_actor(),
            name=forms.text("name"),
            siret=forms.optional("siret", 20),
            address=address_from_form(),
            commune_insee=forms.optional("commune_insee", 5),
            roles=roles,
            email=forms.optional("email"),
        )
    except DomainError as exc:
        return _orgs_page(forms.fail(exc))
    flash(f"Organisation « {org.name} » créée.", "success")
    return redirect(url_for("funder.organisation", org_id=org.id), code=303)


@bp.post("/organisations/import")
@writes
@role_required(FUNDER)
def import_organisations() -> Any:
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise DomainError("import_empty", "Choisissez un fichier CSV ou JSON à importer.")
        data = upload.read(MAX_IMPORT_BYTES + 1)
        if len(data) > MAX_IMPORT_BYTES:
            raise DomainError(
                "import_too_large", "Fichier trop volumineux (5 Mo au plus par import)."
            )
        roles = {r for r in PARTNER_ROLES if request.form.get(f"import_{r}")}
        if not roles:
            raise DomainError(
                "invalid_value",
                "Choisissez au moins un rôle pour les lieux importés.",
                field="import_prescriber",
            )
        report = directory.import_lieux(
            db(), current_actor(), lieux.parse(data, upload.filename or ""), roles
        )
    except DomainError as exc:
        return _orgs_page(forms.fail(exc))
    flash(
        f"Import terminé : {len(report.created)} organisations créées, {len(report.skipped)} lignes ignorées.",
        "success",
    )
    # POST-redirect-GET: the report travels in the session (counts and the first skipped
    # lines) so a reload shows it again without importing twice
    session["import_report"] = {
        "created": len(report.created),
        "skipped": [list(row) for row in report.skipped[:SHOWN_SKIPPED]],
        "more": max(0, len(report.skipped) - SHOWN_SKIPPED),
    }
    return redirect(url_for("funder.organisations"), code=303)


def org_or_404(org_id: int) -> Organisation:
    org = db().get(Organisation, org_id)
    if org is None or not (org.is_prescriber or org.is_structure):
        abort(404)
    return org


def _org_page(org: Organisation, status: int = 200) -> tuple[str, int]:
    bank = pq.bank_history(db(), org.id)
    authors = {acc.id: bank_details.entered_by(db(), acc.id) for acc, _ in bank}
    return render_template(
        "funder/organisation.html",
        org=org,
        labels=admin_queries.labels(db(), org.id),
        bank=bank,
        authors=authors,
        me=current_actor().user_id,
        bank_status=BANK_STATUS_FR,
        org_roles_fr=ORG_ROLES_FR,
    ), status


@bp.get("/organisations/<int:org_id>")
@role_required(FUNDER)
def organisation(org_id: int) -> Any:
    return _org_page(org_or_404(org_id))


def _org_action(org_id: int, action: Any, done: str) -> Any:
    org = org_or_404(org_id)
    try:
        action(org)
    except DomainError as exc:
        status = forms.fail(exc)
        return _org_page(org_or_404(org_id), status)
    flash(done, "success")
    return redirect(url_for("funder.organisation", org_id=org_id), code=303)


@bp.post("/organisations/<int:org_id>/labels")
@writes
@role_required(FUNDER)
def add_label(org_id: int) -> Any:
    return _org_action(
        org_id,
        lambda org: reference.add_label(
            db(),
            current_actor(),
            org.id,
            forms.text("label", max_len=100),
            forms.need_day("valid_from"),
            forms.day("valid_until", required=False),
        ),
        "Label ajouté.",
    )


@bp.post("/organisations/<int:org_id>/rib")
@writes
@role_required(FUNDER)
def set_bank_details(org_id: int) -> Any:
    def act(org: Organisation) -> None:
        if not org.is_structure:
            raise DomainError("not_a_structure")
        bank_details.set_bank_details(
            db(),
            current_actor(),
            org.id,
            holder_name=forms.text("holder_name", max_len=140),
            iban=forms.text("iban", max_len=50),
            bic=forms.optional("bic", 15),
        )

    return _org_action(
        org_id,
        act,
        "Coordonnées bancaires enregistrées : une autre personne doit maintenant "
        "les vérifier et les valider.",
    )


def _decide(org_id: int, account_id: int, validate: bool) -> Any:
    account = db().get(BankAccount, account_id)
    if account is None or account.organisation_id != org_id:
        abort(404)
    return _org_action(
        org_id,
        lambda _org: bank_details.decide_bank_details(
            db(), current_actor(), account_id, validate=validate, note=forms.optional("note", 500)
        ),
        "Coordonnées bancaires validées." if validate else "Coordonnées bancaires rejetées.",
    )


@bp.post("/organisations/<int:org_id>/rib/<int:account_id>/valider")
@writes
@role_required(FUNDER)
def validate_bank_details(org_id: int, account_id: int) -> Any:
    return _decide(org_id, account_id, True)


@bp.post("/organisations/<int:org_id>/rib/<int:account_id>/rejeter")
@writes
@role_required(FUNDER)
def reject_bank_details(org_id: int, account_id: int) -> Any:
    return _decide(org_id, account_id, False)
