"""Payment runs: SEPA credit-transfer files of statements, and second approvals."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for

from voucher.domain import calendar
from voucher.domain.errors import DomainError
from voucher.services.finance import payments, settings
from voucher.web.auth import current_actor, role_required
from voucher.web.db import db, writes
from voucher.web.finance.blueprint import FINANCE, bp, download, refused, scope


@bp.get("/finance/paiements")
@role_required(*FINANCE)
def payment_page() -> str:
    sc = scope()
    return render_template(
        "finance/payments.html",
        ready=payments.ready(db(), sc),
        runs=payments.runs(db(), sc),
        sent=payments.transfers(db(), sc, status="sent"),
        me=current_actor().user_id,
        version=_version(),
        needed=payments.APPROVALS_NEEDED,
    )


def _version() -> str:
    try:
        return settings.pain_version()
    except DomainError:
        return "pain.001.001.09"


@bp.post("/finance/paiements")
@writes
@role_required(*FINANCE)
def create_run() -> Any:
    version = request.form.get("version") or _version()
    typed = (request.form.get("execution_date") or "").strip()
    try:
        result = payments.create_run(
            db(),
            current_actor(),
            debtor=settings.debtor(),
            version=version,
            execution_date=calendar.parse_execution_date(typed) if typed else None,
        )
    except DomainError as exc:
        return refused(exc, "finance.payment_page")
    if result.run_id is None:
        flash("Aucun relevé prêt à payer : rien n'a été créé.", "error")
    else:
        flash(
            f"Ordre de virement créé : {len(result.included)} virement(s), validé contre le schéma "
            f"{version}. Téléchargez le fichier pour votre banque.",
            "success",
        )
    return redirect(url_for("finance.payment_page"), code=303)


@bp.post("/finance/releves/<int:statement_id>/approuver")
@writes
@role_required(*FINANCE)
def approve(statement_id: int) -> Any:
    try:
        count = payments.approve(db(), current_actor(), statement_id)
    except DomainError as exc:
        return refused(exc, "finance.payment_page")
    flash(f"Approbation enregistrée ({count} sur {payments.APPROVALS_NEEDED}).", "success")
    return redirect(url_for("finance.payment_page"), code=303)


@bp.get("/finance/paiements/<int:run_id>.xml")
@role_required(*FINANCE)
def run_file(run_id: int) -> Response:
    try:
        run = payments.get_run(db(), scope(), run_id)
    except DomainError:
        abort(404)
    return download(run.file, "application/xml", f"{run.reference}.xml")
