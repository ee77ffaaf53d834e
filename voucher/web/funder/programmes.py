"""The funder's desk: programmes (create, edit what is still editable, acceptance, fraud
thresholds) and their follow-up with a chart over time. Batches, funds and lost books
are in :mod:`voucher.web.funder.batches`; zones, organisations, labels and bank details in
:mod:`voucher.web.funder.partners` (same blueprint).

Scope: a funder organisation sees the programmes it funds (lead or co-funder) and what
hangs from them (batches, books); any other programme, batch or book answers 404
(:mod:`voucher.web.funder.blueprint`). The
directory of organisations and pilot zones is shared reference data (the national open
data it comes from is public), see docs/roles.md.
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from voucher.db.models import Programme
from voucher.db.queries import funder as q
from voucher.db.queries import funder_dashboard
from voucher.documents.followup_chart import followup_svg, month_label
from voucher.domain.calendar import paris_date, utcnow
from voucher.domain.did import DESIGNS
from voucher.domain.errors import DomainError
from voucher.domain.ledger import funder_funds
from voucher.services.evaluation import follow_up
from voucher.services.finance import journal
from voucher.services.programmes import editing, programmes
from voucher.web import forms
from voucher.web.auth import current_actor, current_org_id, role_required
from voucher.web.db import db, writes
from voucher.web.funder import thresholds
from voucher.web.funder.blueprint import FUNDER, bp, my_programmes, programme_or_404

POLICY_FR = {
    "flag": "accepter et signaler",
    "hold": "mettre en attente de vérification",
    "refuse": "refuser",
}


@bp.get("/")
@role_required(FUNDER)
def index() -> str:
    """The dashboard a funder lands on: its programmes' carnets, money, alerts, zones."""
    mine = q.programmes(db(), my_programmes())
    board = funder_dashboard.dashboard(db(), mine, paris_date(utcnow()))
    chart = (
        followup_svg(board.months, board.series, title="Vos dispositifs") if board.months else None
    )
    return render_template(
        "funder/index.html",
        programmes=mine,
        board=board,
        chart=chart,
        month_label=month_label,
    )


def _form_context(**extra: Any) -> dict[str, Any]:
    return {
        "funders": [(i, n) for i, n in q.funder_orgs(db()) if i != current_org_id()],
        "zones": q.zones(db()),
        "structures": q.structures(db()),
        "known_labels": q.label_names(db()),
        "policies": POLICY_FR,
        "threshold_rules": thresholds.TUNABLE,
        "threshold_field": thresholds.field,
        "threshold_values": thresholds.shown,
        **extra,
    }


def percent(bp: int) -> str:
    whole, rest = divmod(bp, 100)
    return f"{whole},{rest:02d}" if rest else str(whole)


def _funders_from_form() -> list[tuple[int, int]]:
    shares = [
        (current_org_id(), forms.share_bp(request.form.get("own_share") or "100", "own_share"))
    ]
    for n in (1, 2):
        other = forms.integer(f"cofunder_{n}", required=False)
        if other:
            shares.append(
                (other, forms.share_bp(request.form.get(f"share_{n}") or "", f"share_{n}"))
            )
    return shares


def _thresholds_from_form() -> dict[str, Any]:
    return thresholds.from_form(request.form)


def _labels_from_form() -> list[str]:
    """The labels kept as chips (one value each) and the one typed in « ajouter »."""
    names = [*request.form.getlist("labels"), request.form.get("label_new") or ""]
    return list(dict.fromkeys(n.strip() for n in names if n.strip()))


@bp.route("/dispositifs/nouveau", methods=["GET", "POST"])
@writes
@role_required(FUNDER)
def new_programme() -> Any:
    if request.method == "GET":
        return render_template("funder/programme_form.html", **_form_context())
    try:
        spec = programmes.ProgrammeSpec(
            name=forms.text("name"),
            face_value_cents=forms.euros("face_value"),
            vouchers_per_book=forms.need_int("vouchers_per_book", minimum=1, maximum=50),
            valid_from=forms.need_day("valid_from"),
            valid_until=forms.need_day("valid_until"),
            grace_days=forms.need_int("grace_days", minimum=0, maximum=366),
            cancel_window_minutes=forms.need_int("cancel_window_minutes", minimum=0, maximum=1440),
            handout_policy=forms.text("handout_policy", max_len=10),
            funders=_funders_from_form(),
            zone_ids=forms.ids("zones"),
            structure_ids=forms.ids("structures"),
            label_names=_labels_from_form(),
            fraud_thresholds=_thresholds_from_form(),
        )
        programme = programmes.create_programme(db(), current_actor(), spec)
    except DomainError as exc:
        return forms.refuse(exc, "funder/programme_form.html", **_form_context())
    flash(f"Dispositif « {programme.name} » créé.", "success")
    return redirect(url_for("funder.programme", programme_id=programme.id), code=303)


def _page_context(programme: Programme) -> dict[str, Any]:
    session = db()
    follow = q.followup(session, programme)
    funders = q.funders(session, programme.id)
    available = {
        fid: -journal.balance(session, funder_funds(fid, programme.id)) for fid, _, _ in funders
    }
    chart = (
        followup_svg(follow.months, follow.series, title=f"Suivi de {programme.name}")
        if follow.months
        else None
    )
    return {
        "programme": programme,
        "follow": follow,
        "chart": chart,
        "month_label": month_label,
        "funders": funders,
        "available": available,
        "batches": q.batches(session, programme.id),
        "funds": q.funds_received(session, programme.id),
        "prescribers": q.prescribers(session),
        "policies": POLICY_FR,
        "percent": percent,
        "comparison": follow_up.comparison_of(session, programme.id),
        "designs": DESIGNS,
    }


@bp.get("/dispositifs/<int:programme_id>")
@role_required(FUNDER)
def programme(programme_id: int) -> str:
    return render_template("funder/programme.html", **_page_context(programme_or_404(programme_id)))


def programme_page_refused(programme: Programme, exc: DomainError) -> tuple[str, int]:
    status = forms.fail(exc)
    return render_template("funder/programme.html", **_page_context(programme)), status


def _edit_context(programme: Programme) -> dict[str, Any]:
    session = db()
    accepted = editing.acceptance(session, programme.id)
    shares = q.funders(session, programme.id)
    own = next((bp for fid, _, bp in shares if fid == current_org_id()), 10_000)
    return _form_context(
        programme=programme,
        issued=editing.has_batches(session, programme.id),
        accepted=accepted,
        own_share=percent(own),
        cofunders=[(fid, percent(bp)) for fid, _, bp in shares if fid != current_org_id()],
        thresholds=programme.fraud_thresholds or {},
    )


@bp.get("/dispositifs/<int:programme_id>/modifier")
@role_required(FUNDER)
def edit_programme(programme_id: int) -> str:
    return render_template(
        "funder/programme_edit.html", **_edit_context(programme_or_404(programme_id))
    )


def _changes_from_form(issued: bool) -> editing.ProgrammeChanges:
    changes = editing.ProgrammeChanges(
        name=forms.text("name"),
        valid_until=forms.need_day("valid_until"),
        grace_days=forms.need_int("grace_days", minimum=0, maximum=366),
        cancel_window_minutes=forms.need_int("cancel_window_minutes", minimum=0, maximum=1440),
        handout_policy=forms.text("handout_policy", max_len=10),
    )
    if not issued:
        changes.face_value_cents = forms.euros("face_value")
        changes.vouchers_per_book = forms.need_int("vouchers_per_book", minimum=1, maximum=50)
        changes.valid_from = forms.need_day("valid_from")
        changes.funders = _funders_from_form()
    return changes


def _edit(programme_id: int, action: Any, done: str) -> Any:
    programme = programme_or_404(programme_id)
    try:
        action(programme)
    except DomainError as exc:
        status = forms.fail(exc)
        return render_template(
            "funder/programme_edit.html", **_edit_context(programme_or_404(programme_id))
        ), status
    flash(done, "success")
    return redirect(url_for("funder.edit_programme", programme_id=programme_id), code=303)


@bp.post("/dispositifs/<int:programme_id>/modifier")
@writes
@role_required(FUNDER)
def update_programme(programme_id: int) -> Any:
    def act(programme: Programme) -> None:
        changes = _changes_from_form(editing.has_batches(db(), programme.id))
        if changes.funders is not None and current_org_id() not in {f for f, _ in changes.funders}:
            raise DomainError(
                "invalid_value", "Votre organisation doit rester parmi les financeurs."
            )
        editing.update_programme(db(), current_actor(), programme.id, changes)

    return _edit(programme_id, act, "Dispositif mis à jour.")


@bp.post("/dispositifs/<int:programme_id>/acceptation")
@writes
@role_required(FUNDER)
def update_acceptance(programme_id: int) -> Any:
    def act(programme: Programme) -> None:
        editing.set_acceptance(
            db(),
            current_actor(),
            programme.id,
            editing.Acceptance(
                zone_ids=forms.ids("zones"),
                structure_ids=forms.ids("structures"),
                label_names=_labels_from_form(),
            ),
        )

    return _edit(programme_id, act, "Lieux, zones et labels acceptés mis à jour.")


@bp.post("/dispositifs/<int:programme_id>/seuils")
@writes
@role_required(FUNDER)
def update_thresholds(programme_id: int) -> Any:
    def act(programme: Programme) -> None:
        editing.set_fraud_thresholds(db(), current_actor(), programme.id, _thresholds_from_form())

    return _edit(programme_id, act, "Seuils anti-fraude mis à jour.")
