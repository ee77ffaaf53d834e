"""The prescriber's desk: batches received (acknowledge receipt), hand a carnet to a
beneficiary, and the carnets handed out with how far each has been used.

Privacy: the hand-out form asks only national codes (population, age band, status,
commune) and a local reference that is turned into a keyed hash (the key lives outside
the database) and never stored in clear; lists show codes and counts, never the hash.
Scope: a batch or carnet of another organisation answers 404 (typed serials: "not in
your stock", without saying whether it exists).
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)

from voucher.db.models import Batch
from voucher.db.queries import prescriber as q
from voucher.domain import communes, vocab
from voucher.domain.errors import DomainError
from voucher.services.issuance import batches, handout
from voucher.services.organisations import directory
from voucher.web import follow_up_form, forms
from voucher.web.auth import current_actor, current_org_id, role_required
from voucher.web.db import db, writes

bp = Blueprint("prescriber", __name__, url_prefix="/prescripteur")
PRESCRIBER = "prescriber"
NOT_IN_STOCK = {"not_found", "book_not_held"}


def _home_context() -> dict[str, Any]:
    session, org = db(), current_org_id()
    count, first = q.stock(session, org)
    return {
        "batches": q.batches(session, org),
        "stock_count": count,
        "stock_first": first,
        "recent": q.handed_out(session, org, limit=10),
    }


@bp.get("/")
@role_required(PRESCRIBER)
def index() -> str:
    return render_template("prescriber/index.html", **_home_context())


@bp.post("/lots/<int:batch_id>/accuser-reception")
@writes
@role_required(PRESCRIBER)
def acknowledge(batch_id: int) -> Any:
    found = db().get(Batch, batch_id)
    if found is None or found.prescriber_id != current_org_id():
        abort(404)
    try:
        batches.acknowledge_batch(db(), current_actor(), batch_id, current_org_id())
    except DomainError as exc:
        status = forms.fail(exc)
        return render_template("prescriber/index.html", **_home_context()), status
    flash(f"Réception du lot n° {batch_id} confirmée.", "success")
    return redirect(url_for("prescriber.index"), code=303)


def _commune_choices() -> tuple[str, list[tuple[str, str]], str | None]:
    """The commune search (GET ``q``, works without JavaScript) and the choices it offers;
    a commune already chosen (form sent back after a refusal) stays offered."""
    query = (request.args.get("q") or "").strip()[:60]
    found = communes.search(query, limit=30)
    chosen = (request.form.get("commune_insee") or "").strip() or None
    known = communes.get(chosen)
    if known and known not in found:
        found.insert(0, known)
    if len(found) == 1 and chosen is None:
        chosen = found[0].code
    return query, [(c.code, c.label) for c in found], chosen


def _form_context() -> dict[str, Any]:
    count, first = q.stock(db(), current_org_id())
    query, choices, chosen = _commune_choices()
    return {
        "commune_query": query,
        "commune_choices": choices,
        "commune_chosen": chosen,
        "populations": vocab.POPULATIONS,
        "age_bands": vocab.AGE_BANDS,
        "statuses": vocab.STATUSES,
        "stock_count": count,
        "stock_first": first,
    }


@bp.get("/remettre")
@role_required(PRESCRIBER)
def hand_out_form() -> str:
    return render_template("prescriber/hand_out.html", **_form_context())


@bp.get("/communes")
@role_required(PRESCRIBER)
def commune_search() -> Any:
    """Communes of the COG matching a name or a postcode (for the hand-out form's script)."""
    found = communes.search((request.args.get("q") or "").strip()[:60], limit=30)
    return jsonify([{"code": c.code, "label": c.label} for c in found])


def _profile() -> handout.Profile:
    commune = forms.optional("commune_insee", 5)
    density = directory.density_of(db(), commune) if commune else None
    return handout.Profile(
        local_reference=forms.text("local_reference", max_len=100),
        population=forms.text("population", max_len=30),
        age_band=forms.text("age_band", max_len=30),
        social_status=forms.text("social_status", max_len=20),
        commune_insee=commune,
        density_class=density[0] if density else None,
        density_year=density[1] if density else None,
        consent=bool(request.form.get("consent")),
    )


@bp.post("/remettre")
@writes
@role_required(PRESCRIBER)
def hand_out() -> Any:
    try:
        serial = forms.need_int("serial", minimum=1)
        handout.hand_out(
            db(),
            current_actor(),
            serial=serial,
            prescriber_id=current_org_id(),
            profile=_profile(),
            key=current_app.config["PSEUDONYM_KEY"],
        )
    except DomainError as exc:
        if exc.code in NOT_IN_STOCK:
            exc = DomainError(
                "book_not_held",
                "Ce numéro de carnet n'est pas dans le stock de votre organisation.",
                field="serial",
            )
        return forms.refuse(exc, "prescriber/hand_out.html", **_form_context())
    flash(
        f"Carnet n° {serial:06d} remis. Rappelez à la personne où l'utiliser : dans un lieu labellisé.",
        "success",
    )
    # the next page offers the letter listing the nearest accepting places, to print now
    return redirect(url_for("prescriber.handed_out", remis=serial), code=303)


@bp.get("/carnets")
@role_required(PRESCRIBER)
def handed_out() -> str:
    return render_template(
        "prescriber/books.html",
        books=q.handed_out(db(), current_org_id()),
        just_handed=request.args.get("remis", type=int),
        populations=vocab.POPULATIONS,
        age_bands=vocab.AGE_BANDS,
    )


def _follow_up_context() -> dict[str, Any]:
    return follow_up_form.context(url_for("prescriber.follow_up"), url_for("prescriber.index"))


@bp.get("/suivi")
@role_required(PRESCRIBER)
def follow_up_page() -> str:
    return render_template("follow_up.html", **_follow_up_context())


@bp.post("/suivi")
@writes
@role_required(PRESCRIBER)
def follow_up() -> Any:
    """ "Has the person done the procedure alone since?", for a carnet this desk handed out."""
    try:
        serial = follow_up_form.submit("prescriber")
    except DomainError as exc:
        return forms.refuse(exc, "follow_up.html", **_follow_up_context())
    flash(f"Suivi du carnet n° {serial:06d} enregistré.", "success")
    return redirect(url_for("prescriber.follow_up_page"), code=303)


def register(app: Any) -> None:
    app.register_blueprint(bp)
