"""The attestation a public body gives its régie: the amounts reimbursed to the place
over a period (statements paid), as a PDF, for the place's own people only."""

from __future__ import annotations

from datetime import date, timedelta

from flask import abort, request
from werkzeug.wrappers import Response

from voucher.db.models import Organisation
from voucher.db.queries import places as q
from voucher.documents.regie_pdf import Attestation, Line, attestation_pdf
from voucher.domain.calendar import PARIS, end_of_paris_day_utc, utcnow
from voucher.domain.errors import DomainError
from voucher.web.auth import current_org_id, role_required
from voucher.web.db import db
from voucher.web.places.blueprint import bp


def _day(name: str) -> date:
    try:
        return date.fromisoformat((request.args.get(name) or "").strip())
    except ValueError:
        raise DomainError("invalid_dates", field=name) from None


@bp.get("/attestation.pdf")
@role_required("reception", "admin")
def attestation() -> Response:
    org = db().get(Organisation, current_org_id())
    if org is None or not org.is_structure:
        abort(404)
    first, last = _day("du"), _day("au")
    if last < first or (last - first).days > 3 * 366:
        raise DomainError("invalid_dates")
    paid = q.reimbursed(
        db(), org.id, end_of_paris_day_utc(first - timedelta(days=1)), end_of_paris_day_utc(last)
    )
    doc = Attestation(
        structure_name=org.name,
        siret=org.siret or "",
        address=[
            " ".join(x for x in (org.street_number, org.street) if x),
            f"{org.postcode or ''} {org.town or ''}".strip(),
        ],
        first_day=first,
        last_day=last,
        lines=[
            Line(
                p.number, p.period, p.paid_at.astimezone(PARIS).date(), p.programmes, p.total_cents
            )
            for p in paid
        ],
        issued_at=utcnow().astimezone(PARIS),
    )
    return Response(
        attestation_pdf(doc),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="attestation-regie-{first}-{last}.pdf"',
            "Cache-Control": "no-store",
        },
    )
