"""Funders' documents on the finance side: quotes and invoices of batches (issue, list with
what is paid, download as PDF/A-3 or Factur-X) and the periodic statement of a funder for a
programme (PDF/A-3 or XLSX). docs/finance.md, "Documents des financeurs"."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from voucher.domain.calendar import utcnow
from voucher.domain.errors import DomainError
from voucher.services.finance import funder_files, funder_invoices, funder_statement
from voucher.web import forms
from voucher.web.auth import current_actor, role_required
from voucher.web.db import db, writes
from voucher.web.finance.blueprint import FINANCE, bp, download, refused, scope

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@bp.get("/finance/factures")
@role_required(*FINANCE)
def invoices() -> str:
    return render_template("finance/invoices.html", rows=funder_invoices.rows(db(), scope()))


@bp.post("/finance/factures/emettre")
@writes
@role_required(*FINANCE)
def issue_invoices() -> Any:
    kind = "quote" if request.form.get("kind") == "quote" else "invoice"
    try:
        made = funder_invoices.issue(
            db(),
            current_actor(),
            forms.need_int("batch_id"),
            kind,
            buyer_reference=request.form.get("service"),
            buyer_order=request.form.get("engagement"),
        )
    except DomainError as exc:
        return refused(exc, "finance.invoices")
    flash(
        f"{len(made)} document(s) émis." if made else "Ce lot a déjà ses documents.",
        "success" if made else "error",
    )
    return redirect(url_for("finance.invoices"), code=303)


@bp.get("/finance/factures/<number>.pdf")
@role_required(*FINANCE)
def invoice_file(number: str) -> Any:
    try:
        doc = funder_invoices.find(db(), scope(), number)
    except DomainError:
        abort(404)
    return download(funder_files.order_file(db(), doc), "application/pdf", f"{doc.number}.pdf")


def statement_download(funder_id: int, programme_id: int) -> Any:
    """The statement asked by ``du``, ``au`` and ``format`` (pdf or xlsx) in the query."""
    try:
        first, last = funder_statement.parse_period(
            request.args.get("du", ""), request.args.get("au", "")
        )
        st = funder_statement.build(db(), scope(), funder_id, programme_id, first, last)
    except DomainError as exc:
        if exc.code == "not_found":
            abort(404)
        return render_template("error.html", message=exc.message, code=exc.code, status=422), 422
    name = f"releve-financeur-{funder_id}-{programme_id}-{first}-{last}"
    if request.args.get("format") == "xlsx":
        return download(funder_files.statement_xlsx(st), XLSX, f"{name}.xlsx")
    return download(funder_files.statement_file(st, utcnow()), "application/pdf", f"{name}.pdf")


@bp.get("/finance/releve-financeur")
@role_required(*FINANCE)
def funder_statement_file() -> Any:
    funder_id = request.args.get("financeur", type=int)
    programme_id = request.args.get("dispositif", type=int)
    if funder_id is None or programme_id is None:
        abort(404)
    return statement_download(funder_id, programme_id)
