"""The funder's own documents: its quotes and invoices (what is paid, Factur-X files), its
credit notes (Factur-X) and its periodic statement per programme (PDF/A-3 or XLSX). A funder sees only the documents
addressed to its own organisation, for programmes it funds; anything else answers 404."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request

from voucher.db.models import Programme
from voucher.domain.calendar import utcnow
from voucher.domain.errors import DomainError
from voucher.services.access.programme_scope import Scope
from voucher.services.finance import credit_notes, funder_files, funder_invoices, funder_statement
from voucher.web.auth import current_org_id, role_required
from voucher.web.db import db
from voucher.web.finance.blueprint import download
from voucher.web.finance.invoices import XLSX
from voucher.web.funder.blueprint import FUNDER, bp, my_programmes


def _scope() -> Scope:
    return Scope(programme_ids=frozenset(my_programmes()))


@bp.get("/factures")
@role_required(FUNDER)
def invoices() -> str:
    mine = sorted(my_programmes())
    names = {p: db().get(Programme, p).name for p in mine}  # type: ignore[union-attr]
    notes = [
        n for n, _, _ in credit_notes.list_notes(db(), _scope()) if n.funder_id == current_org_id()
    ]
    return render_template(
        "funder/invoices.html",
        rows=funder_invoices.rows(db(), _scope(), funder_id=current_org_id()),
        notes=[(n, names.get(n.programme_id, "")) for n in notes],
        programmes=names,
    )


@bp.get("/avoirs/<int:note_id>.pdf")
@role_required(FUNDER)
def credit_note_file(note_id: int) -> Any:
    try:
        note = credit_notes.find(db(), _scope(), note_id)
    except DomainError:
        abort(404)
    if note.funder_id != current_org_id():
        abort(404)
    return download(
        funder_files.credit_note_file(db(), note), "application/pdf", f"avoir-{note.number}.pdf"
    )


@bp.get("/factures/<number>.pdf")
@role_required(FUNDER)
def invoice_file(number: str) -> Any:
    try:
        doc = funder_invoices.find(db(), _scope(), number, funder_id=current_org_id())
    except DomainError:
        abort(404)
    return download(funder_files.order_file(db(), doc), "application/pdf", f"{doc.number}.pdf")


@bp.get("/releve")
@role_required(FUNDER)
def statement_file() -> Any:
    programme_id = request.args.get("dispositif", type=int)
    if programme_id is None:
        abort(404)
    try:
        first, last = funder_statement.parse_period(
            request.args.get("du", ""), request.args.get("au", "")
        )
        st = funder_statement.build(db(), _scope(), current_org_id(), programme_id, first, last)
    except DomainError as exc:
        if exc.code == "not_found":
            abort(404)
        return render_template("error.html", message=exc.message, code=exc.code, status=422), 422
    name = f"releve-{programme_id}-{first}-{last}"
    if request.args.get("format") == "xlsx":
        return download(funder_files.statement_xlsx(st), XLSX, f"{name}.xlsx")
    return download(funder_files.statement_file(st, utcnow()), "application/pdf", f"{name}.pdf")
