"""The funder's desk: what a programme prints on its carnets' cover, its own text for
"À quoi sert ce carnet ?" (the plain-language default shown until it is changed) and the
funder's logo (PNG or SVG). Same scope as every programme page (404 outside it); the
checks and the audit are the printing service's (:mod:`voucher.services.printing.logo`).
"""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for

from voucher.db.models import Programme, ProgrammeLogo
from voucher.documents import logo as logo_file
from voucher.domain import printing
from voucher.domain.errors import DomainError
from voucher.services.printing import logo
from voucher.web import forms
from voucher.web.auth import current_actor, role_required
from voucher.web.db import db, writes
from voucher.web.funder.blueprint import FUNDER, bp, programme_or_404

#: read one byte more than a logo may weigh, to refuse a larger one without reading it all
LOGO_READ = logo_file.MAX_BYTES + 1


def _context(programme: Programme) -> dict[str, Any]:
    session = db()
    own = logo.cover_purpose(session, programme.id)
    default = printing.default_purpose(logo.carnet_preview(session, programme))
    current = session.get(ProgrammeLogo, programme.id)
    return {
        "programme": programme,
        "purpose": "\n".join(own or default),
        "default": default,
        "own": bool(own),
        "logo": current,
        "logo_kind": logo_file.logo_kind(bytes(current.png)) if current else None,
        "limits": (printing.PURPOSE_LINES, printing.PURPOSE_LINE_CHARS),
    }


@bp.get("/dispositifs/<int:programme_id>/couverture")
@role_required(FUNDER)
def cover(programme_id: int) -> str:
    return render_template("funder/cover.html", **_context(programme_or_404(programme_id)))


def _save(programme_id: int, act: Any, done: str) -> Any:
    programme = programme_or_404(programme_id)
    try:
        act(programme)
    except DomainError as exc:
        return forms.refuse(exc, "funder/cover.html", **_context(programme_or_404(programme_id)))
    flash(done, "success")
    return redirect(url_for("funder.cover", programme_id=programme_id), code=303)


@bp.post("/dispositifs/<int:programme_id>/couverture/texte")
@writes
@role_required(FUNDER)
def cover_text(programme_id: int) -> Any:
    def act(programme: Programme) -> None:
        text = request.form.get("purpose") or ""
        default = printing.default_purpose(logo.carnet_preview(db(), programme))
        try:
            if printing.purpose_lines(text) == default:
                text = ""  # the default sent back unchanged stays the default
            logo.set_cover_text(db(), current_actor(), programme.id, text)
        except DomainError as exc:
            exc.details.setdefault("field", "purpose")
            raise

    return _save(programme_id, act, "Texte de la couverture enregistré.")


@bp.post("/dispositifs/<int:programme_id>/couverture/logo")
@writes
@role_required(FUNDER)
def cover_logo(programme_id: int) -> Any:
    def act(programme: Programme) -> None:
        sent = request.files.get("logo")
        if sent is None or not sent.filename:
            raise DomainError("upload_empty", field="logo")
        try:
            data = sent.stream.read(LOGO_READ)
        finally:
            sent.close()  # a large upload sits in a temporary file: release it now
        if not data:
            raise DomainError("upload_empty", field="logo")
        try:
            logo.set_logo(db(), current_actor(), programme.id, data, filename=sent.filename)
        except DomainError as exc:
            exc.details.setdefault("field", "logo")
            raise

    return _save(programme_id, act, "Logo enregistré : il sera imprimé sur les prochains carnets.")
