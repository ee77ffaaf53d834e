"""Offline disputes on the review workspace: the list in the reviewer's scope, one dispute,
and its decision (pay the place, or reject with a reason). The rules are the service's
(:mod:`voucher.services.redemption.disputes`); a refused decision changes nothing and is
shown on the dispute's page."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from sqlalchemy import select

from voucher.db.models import OfflineDispute, Organisation
from voucher.domain.cursor import Cursor
from voucher.domain.errors import MESSAGES, DomainError
from voucher.services.access.api_reads import Viewer
from voucher.services.access.programme_scope import scope_for
from voucher.services.redemption import disputes
from voucher.web import forms
from voucher.web.auth import current_actor, role_required
from voucher.web.db import db, writes
from voucher.web.review.views import REVIEWERS, bp

STATUS_FR = {"open": "à examiner", "released": "payé", "rejected": "rejeté"}


def _viewer() -> Viewer:
    actor = current_actor()
    return Viewer(str(actor.role), int(actor.organisation_id or 0), scope_for(db(), actor))


def _names(rows: list[OfflineDispute]) -> dict[int, str]:
    ids = sorted({d.structure_id for d in rows})
    found = db().execute(select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids)))
    return {int(i): str(n) for i, n in found}


def _render(template: str, **context: Any) -> str:
    return render_template(template, statuses=STATUS_FR, reasons=MESSAGES, **context)


@bp.get("/revue/litiges")
@role_required(*REVIEWERS)
def disputes_page() -> str:
    status = request.args.get("statut") or "open"
    if status not in STATUS_FR:
        status = "open"
    rows = disputes.sync_disputes(db(), _viewer(), Cursor(status=status), 500).items
    return _render("review/disputes.html", disputes=rows, names=_names(rows), status=status)


def _dispute_page(dispute_id: int, status: int = 200) -> tuple[str, int]:
    try:
        found = disputes.get(db(), _viewer(), dispute_id)
    except DomainError:
        abort(404)
    page = _render("review/dispute.html", dispute=found, names=_names([found]))
    return page, status


@bp.get("/revue/litiges/<int:dispute_id>")
@role_required(*REVIEWERS)
def dispute_page(dispute_id: int) -> Any:
    return _dispute_page(dispute_id)


def _decide(dispute_id: int, pay: bool) -> Any:
    try:
        if pay:
            disputes.release(db(), current_actor(), dispute_id)
            flash("Litige payé : le lieu sera remboursé avec le prochain relevé.", "success")
        else:
            disputes.reject(db(), current_actor(), dispute_id, request.form.get("note", ""))
            flash("Litige rejeté : rien n'est payé pour ce scan.", "success")
    except DomainError as exc:
        if exc.code == "note_required":
            exc.details["field"] = "note"
        return _dispute_page(dispute_id, forms.fail(exc))
    return redirect(url_for("review.disputes_page"), code=303)


@bp.post("/revue/litiges/<int:dispute_id>/payer")
@writes
@role_required(*REVIEWERS)
def pay_dispute(dispute_id: int) -> Any:
    return _decide(dispute_id, pay=True)


@bp.post("/revue/litiges/<int:dispute_id>/rejeter")
@writes
@role_required(*REVIEWERS)
def reject_dispute(dispute_id: int) -> Any:
    return _decide(dispute_id, pay=False)
