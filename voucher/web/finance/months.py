"""The months at a glance and the month close (finance staff).

Scope: finance staff of the operator see every programme, finance staff of a funder the
programmes it funds (a statement is shown only if all its programmes are theirs); structure
staff (``reception``) see their own organisation's statements. Anything else answers 404.
Every change is a POST form with CSRF; a refusal is flashed in French and changes nothing.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from voucher.documents.finance_chart import months_svg
from voucher.domain import finance as rules
from voucher.domain.calendar import utcnow
from voucher.domain.errors import DomainError
from voucher.services.finance import close as month_close
from voucher.services.finance import credit_notes, overview
from voucher.services.jobs import kinds
from voucher.web.auth import current_actor, role_required
from voucher.web.db import db, writes
from voucher.web.finance.blueprint import FINANCE, bp, refused, scope
from voucher.web.tasks import start


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
    # only months not closed yet, oldest first: the next month to close is proposed first
    closable = [m.period for m in months[:-1] if m.closed_at is None]
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
        if not start.inline():
            rules.require_over(p, utcnow())
            return start.start(kinds.MONTH_CLOSE, {"period": str(p)}, f"Clôture de {p.label}")
        result = month_close.close_month(db(), current_actor(), p)
    except DomainError as exc:
        return refused(exc, "finance.index")
    flash(
        f"{p.label.capitalize()} clôturé : {len(result.created)} nouveau(x) relevé(s), "
        f"{len(result.blocked)} lieu(x) bloqué(s).",
        "success",
    )
    return redirect(url_for("finance.month", period=str(p)), code=303)
