"""The public directory "Où utiliser mon pass ?": search by commune name or postcode,
places accepting a programme today with their address, services, hours and accessibility;
no sign-in, cacheable for a few minutes. The same data as the national *lieux de
médiation numérique* CSV. And the letter that goes with a carnet: the nearest places for
the beneficiary's commune, printed by the prescriber who handed the carnet out."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask, abort, render_template, request
from sqlalchemy import select
from werkzeug.wrappers import Response

from voucher.db.models import Beneficiary, Book, Organisation, Programme
from voucher.db.queries import directory as q
from voucher.documents import lieux_export
from voucher.domain import geo, places
from voucher.domain.calendar import paris_date, utcnow
from voucher.web.auth import current_org_id, role_required
from voucher.web.db import db

bp = Blueprint("directory", __name__)
PUBLIC_CACHE = "public, max-age=300"


def _words() -> dict[str, Any]:
    return {
        "hours_fr": places.hours_in_french,
        "accessibility": places.ACCESSIBILITY,
        "km_fr": geo.km_fr,
    }


@bp.get("/ou-utiliser-mon-pass")
def search() -> Response:
    query = (request.args.get("commune") or "").strip()[:100]
    raw = request.args.get("dispositif") or ""
    programme_id = int(raw) if raw.isdigit() else None
    today = paris_date(utcnow())
    found = q.search(db(), today, query, programme_id) if query else []
    page = render_template(
        "directory/search.html",
        query=query,
        programme_id=programme_id,
        programmes=q.open_programmes(db(), today),
        found=found,
        **_words(),
    )
    return Response(page, mimetype="text/html", headers={"Cache-Control": PUBLIC_CACHE})


@bp.get("/ou-utiliser-mon-pass/lieux.csv")
def export() -> Response:
    today = paris_date(utcnow())
    found = [p for p in q.labelled_places(db(), today) if p.programmes]
    return Response(
        lieux_export.csv_bytes(found),
        mimetype="text/csv",
        headers={
            "Content-Disposition": 'attachment; filename="lieux-pass-numerique.csv"',
            "Cache-Control": PUBLIC_CACHE,
        },
    )


@bp.get("/prescripteur/carnets/<int:serial>/lettre")
@role_required("prescriber")
def letter(serial: int) -> str:
    session = db()
    book = session.scalar(select(Book).where(Book.serial == serial))
    if book is None or book.holder_id != current_org_id() or book.beneficiary_id is None:
        abort(404)
    person = session.get(Beneficiary, book.beneficiary_id)
    programme = session.get(Programme, book.programme_id)
    prescriber = session.get(Organisation, book.holder_id)
    commune = person.commune_insee if person else None
    return render_template(
        "directory/letter.html",
        book=book,
        programme=programme,
        prescriber=prescriber,
        found=q.nearest(session, paris_date(utcnow()), commune, book.programme_id),
        **_words(),
    )


def register(app: Flask) -> None:
    app.register_blueprint(bp)
