"""The operator's side of impact releases: a live preview (never exported, never stored)
and the form that publishes the next numbered release of a closed month."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from voucher.domain import impact as dom
from voucher.domain.errors import DomainError
from voucher.services.impact import protect, release
from voucher.web.auth import current_actor, role_required
from voucher.web.db import db, writes
from voucher.web.impact.views import _format, bp


@bp.get("/impact/apercu")
@role_required("admin")
def preview() -> str:
    report = release.preview(db())
    name = request.args.get("tableau") or "par_tranche_age"
    if name not in dom.DIMENSION_BY_TABLE:
        name = "par_tranche_age"
    return render_template(
        "impact/preview.html",
        report=report,
        table=report.table(name),
        key=protect.key_figures(report),
        measures={m.code: m for m in dom.BOOK_MEASURES},
        fmt=_format,
        month=release.closed_month(),
        latest=release.latest(db()),
    )


@bp.post("/impact/publier")
@writes
@role_required("admin")
def publish() -> Any:
    threshold = request.form.get("seuil", type=int)
    period = (request.form.get("mois") or "").strip() or None
    try:
        rel = release.publish(db(), current_actor(), period=period, threshold=threshold)
    except DomainError as e:
        flash(e.message, "error")
        return redirect(url_for("impact.preview"))
    flash(f"Publication n° {rel.number} (mois {rel.period}) enregistrée.", "success")
    lost = release.masked_again(db(), rel)
    if lost:
        flash(
            f"Chiffres clés masqués cette fois ({', '.join(lost)}) alors que la publication "
            "précédente les montrait : trop peu de personnes y sont entrées depuis, et les "
            "montrer permettrait de les retrouver par différence. Espacer les publications "
            "(un trimestre plutôt qu'un mois) les garde publiés.",
            "warning",
        )
    return redirect(url_for("impact.preview"))
