"""Statements: finance staff list and download them; a structure's staff its own."""

from __future__ import annotations

from flask import Response, abort, render_template, request

from voucher.documents.statement_pdf import statement_pdf
from voucher.domain import finance as rules
from voucher.domain.errors import DomainError
from voucher.services.access.programme_scope import Scope
from voucher.services.finance import statements
from voucher.web.auth import current_org_id, role_required
from voucher.web.db import db
from voucher.web.finance.blueprint import FINANCE, bp, download, scope


@bp.get("/finance/releves")
@role_required(*FINANCE)
def statement_list() -> str:
    period = (request.args.get("mois") or "").strip() or None
    status = (
        request.args.get("etat") if request.args.get("etat") in rules.STATEMENT_STATUSES else None
    )
    rows = statements.list_statements(db(), scope(), period=period, status=status)
    return render_template(
        "finance/statements.html",
        rows=rows,
        period=period,
        status=status,
        statuses=rules.STATEMENT_STATUS_FR,
    )


@bp.get("/finance/releves/<int:statement_id>.pdf")
@role_required(*FINANCE)
def statement_file(statement_id: int) -> Response:
    try:
        st = statements.find(db(), scope(), statement_id)
    except DomainError:
        abort(404)
    return download(
        statement_pdf(statements.document(db(), st)), "application/pdf", f"releve-{st.number}.pdf"
    )


@bp.get("/lieu/releves")
@role_required("reception")
def structure_statements() -> str:
    rows = statements.list_statements(db(), Scope(everything=True), structure_id=current_org_id())
    return render_template("finance/structure_statements.html", rows=rows)


@bp.get("/lieu/releves/<int:statement_id>.pdf")
@role_required("reception")
def structure_statement_file(statement_id: int) -> Response:
    try:
        st = statements.find(
            db(), Scope(everything=True), statement_id, structure_id=current_org_id()
        )
    except DomainError:
        abort(404)
    return download(
        statement_pdf(statements.document(db(), st)), "application/pdf", f"releve-{st.number}.pdf"
    )
