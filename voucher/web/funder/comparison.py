"""The funder's desk: declare the comparison group of a programme's before/after (a
comparison zone without carnets, or a waiting-list cohort), from the programme page. Same
scope as every programme page (404 outside it); the checks, the one-group rule and the
audit are the follow-up service's (:func:`voucher.services.evaluation.follow_up.declare`).
A refusal shows the programme page again with the error by its field; nothing is written.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for

from voucher.domain.errors import DomainError
from voucher.services.evaluation import follow_up
from voucher.web.auth import current_actor, role_required
from voucher.web.db import db, writes
from voucher.web.funder.blueprint import FUNDER, bp, programme_or_404
from voucher.web.funder.programmes import programme_page_refused


@bp.post("/dispositifs/<int:programme_id>/groupe-comparaison")
@writes
@role_required(FUNDER)
def declare_comparison(programme_id: int) -> Any:
    programme = programme_or_404(programme_id)
    try:
        follow_up.declare(
            db(),
            current_actor(),
            programme_id=programme.id,
            kind=(request.form.get("kind") or "").strip(),
            label=request.form.get("label") or "",
        )
    except DomainError as exc:
        return programme_page_refused(programme, exc)
    flash("Groupe de comparaison déclaré : il entrera dans la prochaine publication.", "success")
    return redirect(url_for("funder.programme", programme_id=programme.id) + "#comparaison", 303)
