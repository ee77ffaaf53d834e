"""Finance workspace, second half: bank settlement (camt upload, proposals, apply, manual
confirmation), accounting exports (FEC, XLSX, trial balance) and expiry credit notes.
Routes are added to the ``finance`` blueprint of :mod:`voucher.web.finance.months`."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from sqlalchemy.orm import Session

from voucher.documents import fec
from voucher.documents.statement_pdf import credit_note_pdf
from voucher.domain import accounting as rules
from voucher.domain import finance as finance_rules
from voucher.domain.errors import DomainError
from voucher.domain.money import format_eur
from voucher.services.finance import accounting, credit_notes, payments, settings, settlement
from voucher.services.issuance import expiry
from voucher.web.auth import current_actor, role_required
from voucher.web.db import db, engine, writes
from voucher.web.finance.months import FINANCE, bp, download, refused, scope

MAX_BANK_FILE = 10 * 1024 * 1024


@bp.get("/finance/banque")
@role_required(*FINANCE)
def bank() -> str:
    sc = scope()
    return render_template(
        "finance/bank.html",
        imports=settlement.imports(db(), current_actor(), sc),
        sent=payments.transfers(db(), sc, status="sent"),
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


def _span() -> accounting.Span:
    today = date.today()
    try:
        first = date.fromisoformat(request.args.get("du") or f"{today.year}-01-01")
        last = date.fromisoformat(request.args.get("au") or today.isoformat())
    except ValueError:
        raise DomainError("invalid_dates") from None
    return accounting.Span(first, last)


def _operator_only() -> None:
    if not scope().everything:
        raise DomainError("journal_scope")


@bp.get("/finance/comptabilite")
@role_required(*FINANCE)
def books() -> str:
    today = date.today()
    return render_template(
        "finance/accounting.html",
        first=date(today.year, 1, 1),
        last=today,
        allowed=scope().everything,
    )


@bp.get("/finance/comptabilite/fec")
@role_required(*FINANCE)
def fec_file() -> Any:
    _operator_only()
    span, mapping = _span(), settings.fec_mapping()
    separator = fec.SEPARATORS.get(request.args.get("separateur", "pipe"), "|")
    name = rules.file_name(settings.siren_override() or accounting.operator_siren(db()), span.last)
    bind = engine()

    def stream() -> Iterator[bytes]:
        # its own read-only session: the request's is closed before the body is sent
        with bind.connect() as conn, Session(bind=conn.execution_options(readonly=True)) as session:
            for line in fec.lines(accounting.fec_rows(session, span, mapping), separator):
                yield line.encode()

    return Response(
        stream(),
        mimetype="text/plain; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}.txt"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/finance/comptabilite/journal.xlsx")
@role_required(*FINANCE)
def journal_xlsx() -> Any:
    _operator_only()
    span, mapping = _span(), settings.fec_mapping()
    balance = [
        (t.account, t.number, t.label, t.opening, t.debit, t.credit, t.closing)
        for t in accounting.trial_balance(db(), span, mapping)
    ]
    body = fec.xlsx(accounting.fec_rows(db(), span, mapping), balance)
    return download(
        body,
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        f"journal-{span.first:%Y%m%d}-{span.last:%Y%m%d}.xlsx",
    )


@bp.get("/finance/comptabilite/balance")
@role_required(*FINANCE)
def trial_balance() -> Any:
    _operator_only()
    span = _span()
    lines = accounting.trial_balance(db(), span, settings.fec_mapping())
    totals = accounting.totals(lines)
    if request.args.get("format") != "csv":
        return render_template("finance/balance.html", lines=lines, totals=totals, span=span)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(
        ["Compte interne", "CompteNum", "CompteLib", "Ouverture", "Débit", "Crédit", "Clôture"]
    )
    for t in lines + [
        accounting.TrialLine("Total", "", "", totals["opening"], totals["debit"], totals["credit"])
    ]:
        writer.writerow(
            [t.account, t.number, t.label]
            + [
                format_eur(v).replace("\u00a0€", "").replace("\u202f", "")
                for v in (t.opening, t.debit, t.credit, t.closing)
            ]
        )
    return download(
        ("\ufeff" + out.getvalue()).encode(),
        "text/csv; charset=utf-8",
        f"balance-{span.first:%Y%m%d}-{span.last:%Y%m%d}.csv",
    )


# --- credit notes ------------------------------------------------------------------


@bp.get("/finance/avoirs")
@role_required(*FINANCE)
def notes() -> str:
    sc = scope()
    days = request.args.get("jours", default=30, type=int)
    return render_template(
        "finance/credit_notes.html",
        alerts=credit_notes.alerts(db(), sc, days=max(1, min(days, 365))),
        notes=credit_notes.list_notes(db(), sc),
        days=days,
    )


@bp.post("/finance/avoirs/<int:programme_id>/expirer")
@writes
@role_required(*FINANCE)
def expire(programme_id: int) -> Any:
    if not scope().allows(programme_id):
        abort(404)
    try:
        report = expiry.expire_programme(db(), current_actor(), programme_id)
    except DomainError as exc:
        return refused(exc, "finance.notes")
    flash(
        f"{report.vouchers} chèque(s) expiré(s) ; valeur non utilisée {format_eur(report.breakage_cents)}.",
        "success",
    )
    return redirect(url_for("finance.notes"), code=303)


@bp.post("/finance/avoirs/<int:programme_id>/emettre")
@writes
@role_required(*FINANCE)
def issue_notes(programme_id: int) -> Any:
    try:
        issued = credit_notes.issue(db(), current_actor(), programme_id)
    except DomainError as exc:
        return refused(exc, "finance.notes")
    flash(
        f"{len(issued)} avoir(s) émis." if issued else "Rien à rendre : tout a déjà été reversé.",
        "success" if issued else "error",
    )
    return redirect(url_for("finance.notes"), code=303)


@bp.get("/finance/avoirs/<int:note_id>.pdf")
@role_required(*FINANCE)
def note_file(note_id: int) -> Any:
    try:
        note = credit_notes.find(db(), scope(), note_id)
    except DomainError:
        abort(404)
    return download(
        credit_note_pdf(credit_notes.document(db(), note)),
        "application/pdf",
        f"avoir-{note.number}.pdf",
    )
