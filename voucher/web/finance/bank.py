"""Bank settlement: the bank's camt.053/054 files uploaded, their proposals applied, and
transfers confirmed by hand."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from voucher.domain import finance as finance_rules
from voucher.domain.errors import DomainError
from voucher.services.finance import payments, reconciliation, refunds, settlement
from voucher.web.auth import current_actor, role_required
from voucher.web.db import db, writes
from voucher.web.finance.blueprint import FINANCE, bp, refused, scope

MAX_BANK_FILE = 10 * 1024 * 1024


@bp.get("/finance/banque")
@role_required(*FINANCE)
def bank() -> str:
    sc = scope()
    return render_template(
        "finance/bank.html",
        imports=settlement.imports(db(), current_actor(), sc),
        sent=payments.transfers(db(), sc, status="sent")
        + refunds.transfers(db(), sc, status="sent"),
    )


@bp.post("/finance/banque")
@writes
@role_required(*FINANCE)
def bank_upload() -> Any:
    upload = request.files.get("releve")
    data = upload.read(MAX_BANK_FILE + 1) if upload else b""
    try:
        imp = settlement.import_file(
            db(), current_actor(), data, (upload.filename or "") if upload else ""
        )
    except DomainError as exc:
        return refused(exc, "finance.bank")
    return redirect(url_for("finance.bank_import", import_id=imp.id), code=303)


@bp.get("/finance/banque/<int:import_id>")
@role_required(*FINANCE)
def bank_import(import_id: int) -> str:
    try:
        imp = settlement.get_import(db(), current_actor(), scope(), import_id)
    except DomainError:
        abort(404)
    return render_template("finance/bank_import.html", imp=imp, outcomes=finance_rules.MATCH_FR)


@bp.post("/finance/banque/<int:import_id>/appliquer")
@writes
@role_required(*FINANCE)
def bank_apply(import_id: int) -> Any:
    try:
        done = settlement.apply_import(db(), current_actor(), import_id)
    except DomainError as exc:
        return refused(exc, "finance.bank_import", import_id=import_id)
    flash(
        f"{len(done.paid)} virement(s) payé(s), {len(done.rejected) + len(done.returned)} rejeté(s), "
        f"{len(done.unmatched)} ligne(s) non rapprochée(s).",
        "success",
    )
    for number, reason in done.rejected + done.returned:
        flash(
            f"Virement du relevé {number} rejeté par la banque : {reason}. Il repassera au prochain ordre.",
            "error",
        )
    return redirect(url_for("finance.bank_import", import_id=import_id), code=303)


@bp.get("/finance/banque/rapprochement")
@role_required(*FINANCE)
def bank_reconciliation() -> str:
    """The bank's closing balance next to the books', the difference explained; the whole
    account of the operator, so for its own finance only."""
    if not scope().everything:
        raise DomainError("bank_scope")
    raw = request.args.get("releve", "")
    rec = reconciliation.reconcile(db(), int(raw) if raw.isdigit() else None)
    return render_template(
        "finance/reconciliation.html",
        rec=rec,
        outcomes=finance_rules.MATCH_FR,
        choices=reconciliation.funding_choices(db()),
    )


@bp.post("/finance/banque/lignes/<int:line_id>/fonds")
@writes
@role_required(*FINANCE)
def bank_line_funds(line_id: int) -> Any:
    """An unmatched credit linked to a funder's funds received (recorded from the line, or
    already typed), once only."""
    chosen, typed = request.form.get("financement", ""), request.form.get("versement", "")
    programme, _, funder = chosen.partition(":")
    try:
        funds = reconciliation.link_funds(
            db(),
            current_actor(),
            line_id,
            programme_id=int(programme) if programme.isdigit() else None,
            funder_id=int(funder) if funder.isdigit() else None,
            funds_id=int(typed) if typed.strip().isdigit() else None,
        )
    except DomainError as exc:
        return refused(exc, "finance.bank_reconciliation")
    flash(f"Ligne rattachée aux fonds reçus n° {funds.id}.", "success")
    return redirect(url_for("finance.bank_reconciliation"), code=303)


@bp.post("/finance/virements/<int:transfer_id>/confirmer")
@writes
@role_required(*FINANCE)
def transfer_confirm(transfer_id: int) -> Any:
    outcome = request.form.get("issue", "")
    try:
        settlement.confirm(
            db(), current_actor(), transfer_id, outcome, reason=request.form.get("motif")
        )
    except DomainError as exc:
        return refused(exc, "finance.bank")
    flash(
        "Virement confirmé comme payé."
        if outcome == "paid"
        else "Virement marqué rejeté : il revient à payer.",
        "success",
    )
    return redirect(url_for("finance.bank"), code=303)


# --- accounting --------------------------------------------------------------------


# --- credit notes ------------------------------------------------------------------
