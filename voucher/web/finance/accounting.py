"""Accounting exports: the FEC, the journal as XLSX, the trial balance (operator finance only)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date
from typing import Any

from flask import Response, render_template, request
from sqlalchemy.orm import Session

from voucher.documents import fec
from voucher.domain import accounting as rules
from voucher.domain.errors import DomainError
from voucher.domain.money import format_eur
from voucher.services.finance import accounting, settings
from voucher.services.jobs import kinds
from voucher.web.auth import role_required
from voucher.web.db import db, engine, writes
from voucher.web.finance.blueprint import FINANCE, bp, download, refused, scope
from voucher.web.tasks import start


def _span(values: Any = None) -> accounting.Span:
    today, typed = date.today(), request.args if values is None else values
    try:
        first = date.fromisoformat(typed.get("du") or f"{today.year}-01-01")
        last = date.fromisoformat(typed.get("au") or today.isoformat())
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
    span.one_fiscal_year()
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


@bp.post("/finance/comptabilite/fec")
@writes
@role_required(*FINANCE)
def fec_job() -> Any:
    """The FEC of any span, produced by a job (the page's form); the GET above streams it."""
    try:
        _operator_only()
        span = _span(request.form)
    except DomainError as exc:
        return refused(exc, "finance.books")
    params = {
        "first": span.first.isoformat(),
        "last": span.last.isoformat(),
        "separator": request.form.get("separateur", "pipe"),
    }
    return start.start(kinds.FEC_EXPORT, params, "Fichier des écritures comptables")


@bp.get("/finance/comptabilite/journal.xlsx")
@role_required(*FINANCE)
def journal_xlsx() -> Any:
    _operator_only()
    span, mapping = _span(), settings.fec_mapping()
    span.one_fiscal_year()
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
        [
            "Compte interne",
            "Pour",
            "CompteNum",
            "CompteLib",
            "Ouverture",
            "Débit",
            "Crédit",
            "Clôture",
        ]
    )
    for t in lines + [
        accounting.TrialLine("Total", "", "", totals["opening"], totals["debit"], totals["credit"])
    ]:
        writer.writerow(
            [t.account, t.owner, t.number, t.label]
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
