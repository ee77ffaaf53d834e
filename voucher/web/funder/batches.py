"""Funder's desk, issuing side: issue a batch (form -> proof PDF -> approve -> production
PDF and printer's file), record funds received, activate a funded batch, report a lost
or stolen book. Every batch and book is reached through a programme the funder funds;
anything else answers 404. Print files go through :mod:`voucher.web.funder.printing`; they
are POST forms because producing them is recorded (proof produced, production file's
SHA-256, printer's file downloaded: all audited), and a GET never writes.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from werkzeug.wsgi import wrap_file

from voucher.db.models import Batch
from voucher.db.queries import funder as q
from voucher.domain.calendar import utcnow
from voucher.domain.errors import DomainError
from voucher.services.issuance import batches, books, funds
from voucher.services.jobs import jobs, kinds, queue
from voucher.web import forms
from voucher.web.auth import current_actor, role_required
from voucher.web.db import after_commit, db, writes
from voucher.web.funder import printing
from voucher.web.funder.blueprint import FUNDER, bp, my_programmes, programme_or_404
from voucher.web.funder.programmes import programme_page_refused
from voucher.web.tasks import start

REASONS_FR = {"lost": "perdu", "stolen": "volé"}


def batch_or_404(batch_id: int) -> Batch:
    batch = db().get(Batch, batch_id)
    if batch is None or batch.programme_id not in my_programmes():
        abort(404)
    return batch


@bp.post("/dispositifs/<int:programme_id>/lots")
@writes
@role_required(FUNDER)
def issue_batch(programme_id: int) -> Any:
    programme = programme_or_404(programme_id)
    count = forms.need_int("books", minimum=1, maximum=batches.MAX_BOOKS)
    if count >= current_app.config["ASYNC_BATCH_BOOKS"]:
        return _issue_as_job(programme_id, forms.need_int("prescriber_id"), count)
    try:
        batch = batches.issue_batch(
            db(),
            current_actor(),
            programme_id=programme_id,
            prescriber_id=forms.need_int("prescriber_id"),
            books=forms.need_int("books", minimum=1, maximum=batches.MAX_BOOKS),
        )
    except DomainError as exc:
        return programme_page_refused(programme, exc)
    flash(
        f"Lot n° {batch.id} émis : {batch.books_count} carnets. Relisez l'épreuve puis validez-la.",
        "success",
    )
    return redirect(url_for("funder.batch", batch_id=batch.id), code=303)


def _issue_as_job(programme_id: int, prescriber_id: int, count: int) -> Any:
    """A large batch is issued by a job; the funder follows it on ``/taches/<id>``."""
    params = {"programme_id": programme_id, "prescriber_id": prescriber_id, "books": count}
    job, _ = jobs.enqueue(db(), current_actor(), kinds.BATCH_ISSUE, params, total=count)
    job_id = job.id
    after_commit(lambda: queue.send(job_id))
    flash(f"Lot de {count} carnets en cours d'émission (tâche n° {job_id}).", "success")
    return redirect(url_for("tasks.job", job_id=job_id), code=303)


def _batch_context(batch: Batch) -> dict[str, Any]:
    programme = programme_or_404(batch.programme_id)
    row = next(b for b in q.batches(db(), programme.id) if b.id == batch.id)
    return {
        "batch": batch,
        "row": row,
        "programme": programme,
        "printing": printing.available(),
        "proof": printing.latest_proof(db(), batch.id),
    }


@bp.get("/lots/<int:batch_id>")
@role_required(FUNDER)
def batch(batch_id: int) -> str:
    return render_template("funder/batch.html", **_batch_context(batch_or_404(batch_id)))


def _download(download: printing.Download) -> Response:
    headers = {
        "Content-Disposition": f'attachment; filename="{download.filename}"',
        "Cache-Control": "no-store",
    }
    return Response(
        wrap_file(request.environ, download.body),
        mimetype=download.mimetype,
        direct_passthrough=True,
        headers=headers,
    )


def _print_step(batch_id: int, make: Any) -> Any:
    found = batch_or_404(batch_id)
    try:
        return _download(make(db(), current_actor(), found.id))
    except DomainError as exc:
        status = forms.fail(exc)
        return render_template(
            "funder/batch.html", **_batch_context(batch_or_404(batch_id))
        ), status


@bp.post("/lots/<int:batch_id>/epreuve")
@writes
@role_required(FUNDER)
def proof(batch_id: int) -> Any:
    return _print_step(batch_id, printing.proof)


@bp.post("/lots/<int:batch_id>/production")
@writes
@role_required(FUNDER)
def production(batch_id: int) -> Any:
    if start.inline():
        return _print_step(batch_id, printing.production)
    found = batch_or_404(batch_id)
    try:
        printing.check_production(db(), current_actor(), found.id)  # refused here, not later
    except DomainError as exc:
        status = forms.fail(exc)
        return render_template("funder/batch.html", **_batch_context(found)), status
    params = {"batch_id": found.id}
    return start.start(kinds.PRINT_PRODUCTION, params, f"Fichier de production du lot {found.id}")


@bp.post("/lots/<int:batch_id>/imprimeur.csv")
@writes
@role_required(FUNDER)
def printer_file(batch_id: int) -> Any:
    return _print_step(batch_id, printing.printer_file)


def _batch_action(batch_id: int, action: Any, done: str) -> Any:
    found = batch_or_404(batch_id)
    try:
        action(found)
    except DomainError as exc:
        status = forms.fail(exc)
        return render_template(
            "funder/batch.html", **_batch_context(batch_or_404(batch_id))
        ), status
    flash(done, "success")
    return redirect(url_for("funder.batch", batch_id=batch_id), code=303)


@bp.post("/lots/<int:batch_id>/approuver")
@writes
@role_required(FUNDER)
def approve_proof(batch_id: int) -> Any:
    return _batch_action(
        batch_id,
        lambda b: printing.approve(db(), current_actor(), b.id, forms.text("proof", max_len=64)),
        "Épreuve validée : le fichier de production peut être téléchargé.",
    )


@bp.post("/lots/<int:batch_id>/activer")
@writes
@role_required(FUNDER)
def activate(batch_id: int) -> Any:
    return _batch_action(
        batch_id,
        lambda b: batches.activate_batch(db(), current_actor(), b.id),
        "Lot activé : ses chèques peuvent être remis et encaissés.",
    )


@bp.post("/dispositifs/<int:programme_id>/versements")
@writes
@role_required(FUNDER)
def record_funds(programme_id: int) -> Any:
    programme = programme_or_404(programme_id)
    try:
        funds.record_funds_received(
            db(),
            current_actor(),
            programme_id=programme_id,
            funder_id=forms.need_int("funder_id"),
            amount_cents=forms.euros("amount"),
            received_on=forms.day("received_on", required=False) or utcnow().date(),
            reference=forms.optional("reference", 140),
            invoice_number=forms.optional("invoice", 20),
        )
    except DomainError as exc:
        return programme_page_refused(programme, exc)
    waiting = [b for b in q.batches(db(), programme_id) if b.status == "issued"]
    hint = " Vous pouvez maintenant activer les lots en attente ci-dessous." if waiting else ""
    flash("Versement enregistré." + hint, "success")
    return redirect(
        url_for("funder.programme", programme_id=programme_id, _anchor="lots"), code=303
    )


@bp.post("/dispositifs/<int:programme_id>/carnet-perdu")
@writes
@role_required(FUNDER)
def report_book(programme_id: int) -> Any:
    programme = programme_or_404(programme_id)
    try:
        serial = forms.need_int("serial", minimum=1)
        if q.book_in(db(), serial, {programme_id}) is None:
            raise DomainError(
                "invalid_value", f"Aucun carnet n° {serial} dans ce dispositif.", field="serial"
            )
        reason = request.form.get("reason", "")
        books.report_book(db(), current_actor(), serial, reason=reason)
    except DomainError as exc:
        return programme_page_refused(programme, exc)
    flash(
        f"Carnet n° {serial} déclaré {REASONS_FR[reason]} : ses chèques non utilisés sont annulés "
        "et seront refusés à l'accueil.",
        "success",
    )
    return redirect(url_for("funder.programme", programme_id=programme_id), code=303)
