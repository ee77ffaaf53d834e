"""Expiry and credit notes (avoirs) to funders."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for

from voucher.domain.errors import DomainError
from voucher.domain.finance import REFUND_FR
from voucher.domain.money import format_eur
from voucher.services.finance import credit_notes, funder_files
from voucher.services.issuance import expiry
from voucher.web.auth import current_actor, role_required
from voucher.web.db import db, writes
from voucher.web.finance.blueprint import FINANCE, bp, download, refused, scope


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
        refund_fr=REFUND_FR,
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
        funder_files.credit_note_file(db(), note),
        "application/pdf",
        f"avoir-{note.number}.pdf",
    )
