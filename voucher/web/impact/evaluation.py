"""Evaluation page (funder and evaluator): plan the pilot, the running pilot's detectable
gap, the autonomy outcome per beneficiary and the adjusted rural/urban comparison.
Read-only: a GET that computes, never writes. The figures are the latest release's (frozen
with it); only the planner, a pure calculation on what is typed, is computed here."""

from __future__ import annotations

from flask import render_template, request

from voucher.domain import power, vocab
from voucher.domain.errors import DomainError
from voucher.domain.money import format_eur
from voucher.services.evaluation import costs, overview, published
from voucher.services.impact import counts
from voucher.web.auth import current_actor, role_required
from voucher.web.db import db
from voucher.web.impact.views import ROLES, _release, _report, _scope, bp


def _percent(name: str, default: float) -> float:
    """A percentage typed by a person ("12,5") as a share; nonsense becomes NaN (refused)."""
    text = (request.args.get(name) or "").strip().replace(",", ".").rstrip("%").strip()
    if not text:
        return default
    try:
        return float(text) / 100
    except ValueError:
        return float("nan")


@bp.get("/impact/evaluation")
@role_required(*ROLES)
def evaluation() -> str:
    scope = _scope()
    report = _report(scope)
    rel = _release()
    chosen = request.args.get("resultat") or "carnet_termine"
    plan = error = None
    try:
        plan = power.plan(
            chosen,
            _percent("reference", 0.5),
            _percent("ecart", 0.1),
            power=_percent("puissance", 0.8),
            confidence=_percent("confiance", 0.95),
        )
    except DomainError as e:
        error = e.message
    return render_template(
        "impact/evaluation.html",
        plan=plan,
        error=error,
        outcomes=power.OUTCOMES,
        chosen=chosen,
        args=request.args,
        view=published.overview_of(report),
        threshold=report.threshold,
        release_number=rel.number,
        release_period=rel.period,
        cost=costs.figures(db(), scope, report),
        eur=format_eur,
        zones=overview.ZONE_LABELS,
        categories=overview.outcome.CATEGORIES,
        answers=vocab.FOLLOW_UP,
        programmes=counts.programmes_in(db(), counts.scope_for(db(), current_actor())),
        programme_id=request.args.get("programme", type=int),
    )
