"""Review workspace for funder and finance staff: the queue of held scans, one hold with
its evidence and the structure's recent volume, release / reject, and the fraud alerts
(filterable, exportable as CSV).

Scope: a funder sees its own programmes only; another organisation's hold answers 404.
Decisions are POST forms with CSRF; a refused decision changes nothing (rolled back) and
is shown as a French message on the hold's page.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from sqlalchemy import select

from voucher.db.models import Programme
from voucher.documents.volume_chart import daily_volume_svg
from voucher.domain import fraud
from voucher.domain.calendar import paris_date
from voucher.domain.errors import DomainError
from voucher.domain.money import format_eur
from voucher.services.access.programme_scope import Scope, scope_for
from voucher.services.redemption import alerts as flags
from voucher.services.redemption import holds, review
from voucher.web import forms
from voucher.web.auth import current_actor, role_required
from voucher.web.db import db, writes

bp = Blueprint("review", __name__)
REVIEWERS = ("funder", "finance")
EVIDENCE_FR = {
    "book_id": "carnet (identifiant interne)",
    "beneficiary_id": "bénéficiaire (identifiant interne)",
    "count_today": "chèques ce jour-là, celui-ci compris",
    "max": "maximum par jour",
    "limit": "volume habituel maximal",
    "day": "jour",
    "active_days": "jours d'activité comparés",
    "structure_id": "lieu (identifiant interne)",
    "book_size": "chèques dans le carnet",
    "first_at": "premier scan du carnet",
    "status": "état du passage",
}
SCAN_STATUS_FR = {
    "accepted": "accepté",
    "held": "en attente de vérification",
    "cancelled": "annulé",
    "rejected": "rejeté",
}


def _scope() -> Scope:
    return scope_for(db(), current_actor())


def _programmes(scope: Scope) -> list[tuple[int, str]]:
    rows = (
        db()
        .execute(
            select(Programme.id, Programme.name)
            .where(scope.where(Programme.id))
            .order_by(Programme.name)
        )
        .all()
    )
    return [(int(i), str(n)) for i, n in rows]


def _day_arg(name: str) -> date | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise DomainError("invalid_dates") from None


def _text_arg(name: str) -> str | None:
    return (request.args.get(name) or "").strip() or None


@bp.get("/revue")
@role_required(*REVIEWERS)
def queue() -> str:
    scope = _scope()
    status = _text_arg("statut") or "open"
    rows = review.list_holds(
        db(), scope, status=status, programme_id=request.args.get("programme", type=int)
    )
    return render_template(
        "review/queue.html",
        holds=rows,
        status=status,
        statuses=review.STATUS_FR,
        programmes=_programmes(scope),
        programme_id=request.args.get("programme", type=int),
    )


def _hold_page(hold_id: int, status: int = 200) -> tuple[str, int]:
    session = db()
    try:
        hold = review.get_hold(session, _scope(), hold_id)
    except DomainError:
        abort(404)
    day = paris_date(hold.scanned_at)
    volume = review.daily_volume(session, hold.structure_id, day)
    chart = daily_volume_svg(volume, highlight=day, label=f"Scans par jour à {hold.structure_name}")
    return render_template(
        "review/hold.html",
        hold=hold,
        chart=chart,
        volume=volume,
        scans=review.related_scans(session, hold),
        evidence_labels=EVIDENCE_FR,
        scan_status=SCAN_STATUS_FR,
        same_person=hold.scanner_user_id == current_actor().user_id,
    ), status


@bp.get("/revue/<int:hold_id>")
@role_required(*REVIEWERS)
def hold_page(hold_id: int) -> Any:
    return _hold_page(hold_id)


def _confirm_reject(hold_id: int) -> Any:
    """Rejecting cancels the voucher for good: say what, for how much, and ask."""
    try:
        hold = review.get_hold(db(), _scope(), hold_id)
    except DomainError:
        abort(404)
    note = (request.form.get("note") or "").strip()
    if not note:
        status = forms.fail(DomainError("note_required", field="note"))
        return _hold_page(hold_id, status)
    if hold.status != "open" or hold.scanner_user_id == current_actor().user_id:
        return None  # the service refuses it with its own message
    return forms.confirmation(
        title=f"Rejeter le passage n° {hold.id}",
        facts=[
            ("Chèque", f"carnet {hold.book_serial:06d}, n° {hold.position}"),
            ("Montant", format_eur(hold.face_value_cents)),
            ("Lieu", hold.structure_name),
            ("Motif", note),
        ],
        warning="Le chèque sera annulé et le lieu ne sera pas remboursé pour ce passage. "
        "Un rejet ne peut pas être annulé.",
        button="Rejeter définitivement le passage",
        back=url_for("review.hold_page", hold_id=hold_id),
    )


def _decide(hold_id: int, action: str) -> Any:
    try:
        if action == "release":
            holds.release(db(), current_actor(), hold_id)
            flash("Passage libéré : il sera remboursé avec le prochain relevé.", "success")
        else:
            if not forms.confirmed() and (asked := _confirm_reject(hold_id)) is not None:
                return asked
            holds.reject(db(), current_actor(), hold_id, request.form.get("note", ""))
            flash(
                "Passage rejeté : le chèque est annulé et sa valeur revient au financeur.",
                "success",
            )
    except DomainError as exc:
        g.rollback = True
        if exc.code == "not_found":
            abort(404)
        flash(exc.message, "error")
        return redirect(url_for("review.hold_page", hold_id=hold_id), code=303)
    return redirect(url_for("review.queue"), code=303)


@bp.post("/revue/<int:hold_id>/liberer")
@writes
@role_required(*REVIEWERS)
def release(hold_id: int) -> Any:
    return _decide(hold_id, "release")


@bp.post("/revue/<int:hold_id>/rejeter")
@writes
@role_required(*REVIEWERS)
def reject(hold_id: int) -> Any:
    return _decide(hold_id, "reject")


def _flag_filter() -> flags.FlagFilter:
    return flags.FlagFilter(
        programme_id=request.args.get("programme", type=int),
        structure_id=request.args.get("lieu", type=int),
        rule=_text_arg("regle"),
        severity=_text_arg("gravite"),
        since=_day_arg("du"),
        until=_day_arg("au"),
    )


@bp.get("/alertes")
@role_required(*REVIEWERS)
def alerts() -> str:
    scope = _scope()
    filt = _flag_filter()
    rows = flags.list_flags(db(), scope, filt, limit=500)
    return render_template(
        "review/alerts.html",
        flags=rows,
        filt=filt,
        programmes=_programmes(scope),
        rules=fraud.CATALOGUE,
        severities=flags.SEVERITY_FR,
        outcomes=flags.OUTCOME_FR,
        query=request.query_string.decode(),
    )


@bp.get("/alertes.csv")
@role_required(*REVIEWERS)
def alerts_csv() -> Response:
    dialect = _text_arg("format") or "excel"
    body = flags.export_csv(
        flags.list_flags(db(), _scope(), _flag_filter(), limit=100_000), dialect
    )
    name = f"alertes-{date.today().isoformat()}.csv"
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def register(app: Any) -> None:
    app.register_blueprint(bp)
