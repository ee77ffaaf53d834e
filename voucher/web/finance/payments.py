"""Payment runs: SEPA credit-transfer files of statements, and second approvals."""

from __future__ import annotations

from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for

from voucher.domain import calendar
from voucher.domain.errors import DomainError
from voucher.domain.money import format_eur
from voucher.services.finance import payments, refunds, settings
from voucher.services.jobs import kinds
from voucher.web import forms
from voucher.web.auth import current_actor, role_required
from voucher.web.db import db, writes
from voucher.web.finance.blueprint import FINANCE, bp, download, refused, scope
from voucher.web.tasks import start


@bp.get("/finance/paiements")
@role_required(*FINANCE)
def payment_page() -> str:
    sc = scope()
    return render_template(
        "finance/payments.html",
        ready=payments.ready(db(), sc),
        owed=refunds.due(db(), sc),
        runs=payments.runs(db(), sc),
        sent=payments.transfers(db(), sc, status="sent")
        + refunds.transfers(db(), sc, status="sent"),
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
    try:  # a bad date is refused before anything is shown for confirmation
        if typed:
            chosen = calendar.parse_execution_date(typed)
            calendar.check_execution_date(chosen, calendar.paris_date(calendar.utcnow()))
    except DomainError as exc:
        return refused(exc, "finance.payment_page")
    included = [p for p in payments.ready(db(), scope()) if p.withheld is None]
    paying = [r for r in refunds.due(db(), scope()) if r.withheld is None]
    count = len(included) + len(paying)
    total = sum(p.total_cents for p in included) + sum(r.total_cents for r in paying)
    expected = f"{count}:{total}"
    what = f"{len(included)} relevé{'s' if len(included) > 1 else ''}" + (
        f", {len(paying)} remboursement{'s' if len(paying) > 1 else ''} d'avoir" if paying else ""
    )
    payees = sorted({p.structure_name for p in included} | {r.funder_name for r in paying})
    if count and (not forms.confirmed() or request.form.get("expected") != expected):
        # a payment run sends money: shown with its count and total, confirmed, and created
        # only if what is ready is still what was confirmed
        changed = (
            "Les relevés prêts ont changé depuis votre confirmation : vérifiez de nouveau."
            if forms.confirmed()
            else None
        )
        return forms.confirmation(
            title="Créer l'ordre de virement",
            facts=[
                ("Virements", what),
                ("Montant total", format_eur(total)),
                ("Bénéficiaires", ", ".join(payees)),
                ("Format du fichier", version),
                ("Date d'exécution", typed or "le prochain jour ouvré TARGET2"),
            ],
            warning="Une fois le fichier envoyé à la banque, ces virements partent : "
            "vérifiez le nombre et le total.",
            button=f"Confirmer l'ordre de {count} virement{'s' if count > 1 else ''} "
            f"pour {format_eur(total)}",
            back=url_for("finance.payment_page"),
            keep=[
                ("version", version),
                ("expected", expected),
                ("execution_date", typed),
                (start.FIELD, start.token() or start.new_token()),
            ],
            changed=changed,
        )
    if not start.inline():
        try:
            settings.debtor()  # a missing debtor is refused here, not by the job
        except DomainError as exc:
            return refused(exc, "finance.payment_page")
        params = {"version": version, "execution_date": chosen_date(typed) if typed else None}
        return start.start(kinds.PAYMENT_RUN, params, "Ordre de virement", total=1)
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
        flash("Aucun relevé ni remboursement prêt à payer : rien n'a été créé.", "error")
    else:
        count = len(result.included) + len(result.refunds)
        flash(
            f"Ordre de virement créé : {count} virement(s), validé contre le schéma "
            f"{version}. Téléchargez le fichier pour votre banque.",
            "success",
        )
    return redirect(url_for("finance.payment_page"), code=303)


def chosen_date(typed: str) -> str:
    return calendar.parse_execution_date(typed).isoformat()


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


@bp.post("/finance/avoirs/<int:credit_note_id>/approuver-remboursement")
@writes
@role_required(*FINANCE)
def approve_refund(credit_note_id: int) -> Any:
    try:
        count = refunds.approve(db(), current_actor(), credit_note_id)
    except DomainError as exc:
        return refused(exc, "finance.payment_page")
    flash(f"Approbation enregistrée ({count} sur {refunds.APPROVALS_NEEDED}).", "success")
    return redirect(url_for("finance.payment_page"), code=303)


@bp.get("/finance/paiements/<int:run_id>.xml")
@role_required(*FINANCE)
def run_file(run_id: int) -> Response:
    try:
        run = payments.get_run(db(), scope(), run_id)
    except DomainError:
        abort(404)
    return download(run.file, "application/xml", f"{run.reference}.xml")
