"""Finance workspace: the months at a glance, month close, statements (PDF), payment runs
(SEPA download, second approvals), bank settlement (camt upload, manual confirmation),
accounting exports and credit notes; and the structure's own statements.

Scope: finance staff of the operator see every programme, finance staff of a funder the
programmes it funds (a statement is shown only if all its programmes are theirs); structure
staff (``reception``) see their own organisation's statements. Anything else answers 404.
Every change is a POST form with CSRF; a refusal is flashed in French and changes nothing.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for

from voucher.documents.finance_chart import months_svg
from voucher.documents.statement_pdf import statement_pdf
from voucher.domain import finance as rules
from voucher.domain.errors import DomainError
from voucher.services.finance import close as month_close
from voucher.services.finance import credit_notes, overview, payments, settings, statements
from voucher.services.finance.numbering import finance_scope
from voucher.services.redemption.review_scope import Scope
from voucher.web.auth import current_actor, current_org_id, role_required
from voucher.web.db import db, writes

bp = Blueprint("finance", __name__)
FINANCE = ("finance",)


def scope() -> Scope:
    return finance_scope(db(), current_actor())


def refused(exc: DomainError, target: str, **values: Any) -> Any:
    """Roll back, show the French message, go back to the page."""
    g.rollback = True
    if exc.code == "not_found":
        abort(404)
    flash(exc.message, "error")
    return redirect(url_for(target, **values), code=303)


def download(body: bytes, mimetype: str, name: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@bp.get("/finance")
@role_required(*FINANCE)
def index() -> str:
    months = overview.recent(db(), scope())
    series = [
        (k, overview.CATEGORY_FR[k], [m.cents[k] for m in months])
        for k in ("paid", "in_payment", "open", "rejected", "blocked", "to_state", "held")
    ]
    chart = months_svg(
        [f"{m.period.month:02d}/{m.period.year % 100:02d}" for m in months],
        series,
        "Valeur scannée par mois, selon où elle en est",
    )
    closable = [m.period for m in months[:-1]][::-1]
    return render_template(
        "finance/index.html",
        months=months,
        chart=chart,
        categories=overview.CATEGORY_FR,
        closable=closable,
        alerts=credit_notes.alerts(db(), scope()),
    )


@bp.get("/finance/mois/<period>")
@role_required(*FINANCE)
def month(period: str) -> str:
    try:
        p = rules.Period.parse(period)
    except DomainError:
        abort(404)
    status = overview.month_status(db(), scope(), p)
    record = month_close.record_of(db(), p)
    rows = month_close.statements_of(db(), record.id, scope()) if record else []
    blocked = month_close.blocked_fr(record.blocked) if record else []
    return render_template(
        "finance/month.html",
        status=status,
        period=p,
        record=record,
        statements=rows,
        blocked=blocked,
        categories=overview.CATEGORY_FR,
        statuses=rules.STATEMENT_STATUS_FR,
    )


@bp.post("/finance/cloture")
@writes
@role_required(*FINANCE)
def close() -> Any:
    try:
        p = rules.Period.parse(request.form.get("mois", ""))
        result = month_close.close_month(db(), current_actor(), p)
    except DomainError as exc:
        return refused(exc, "finance.index")
    flash(
        f"{p.label.capitalize()} clôturé : {len(result.created)} nouveau(x) relevé(s), "
        f"{len(result.blocked)} lieu(x) bloqué(s).",
        "success",
    )
    return redirect(url_for("finance.month", period=str(p)), code=303)


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
    try:
        result = payments.create_run(
            db(), current_actor(), debtor=settings.debtor(), version=version
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


def register(app: Any) -> None:
    from voucher.web import workspaces  # noqa: F401 - adds its routes to bp
    from voucher.web.finance import bank  # noqa: F401 - adds its routes to bp

    app.register_blueprint(bp)
    workspaces.add("finance.index", "Finance", FINANCE)
    workspaces.add("finance.structure_statements", "Relevés", ("reception",))
