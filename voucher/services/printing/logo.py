"""A funder's logo per programme, printed on the carnet's cover.

Rules kept:

* funder staff of the programme only (:mod:`voucher.services.printing.access`);
* a PNG only, checked before anything is stored (:func:`voucher.documents.logo.check_png`):
  at most 1 MB, a real PNG decoded whole, 100 to 4,000 pixels a side, not animated. An SVG
  is refused with a sentence saying how to convert it (``logo_svg``);
* the PNG is stored as sent; the carnet draws it flattened on white and converted to CMYK
  (the PDF holds CMYK only);
* a refusal changes nothing; a new logo replaces the old one; each upload is audited with
  its SHA-256.
"""

from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session

from voucher.db.models import Programme, ProgrammeLogo
from voucher.documents.logo import check_png
from voucher.domain.calendar import utcnow
from voucher.domain.errors import DomainError
from voucher.services import audit
from voucher.services.context import Actor
from voucher.services.printing.access import require_funder_staff


def set_logo(session: Session, actor: Actor, programme_id: int, data: bytes) -> ProgrammeLogo:
    programme = session.get(Programme, programme_id)
    if programme is None:
        raise DomainError("not_found", object="programme")
    require_funder_staff(session, actor, programme)
    width, height = check_png(data)
    digest = hashlib.sha256(data).hexdigest()
    row = session.get(ProgrammeLogo, programme_id)
    if row is None:
        row = ProgrammeLogo(programme_id=programme_id)
        session.add(row)
    row.png, row.sha256 = data, digest
    row.uploaded_at, row.uploaded_by = utcnow(), actor.user_id
    session.flush()
    audit.record(
        session,
        actor,
        "print.logo",
        ("programme", programme_id),
        sha256=digest,
        size_bytes=len(data),
        width=width,
        height=height,
    )
    return row


def logo_png(session: Session, programme_id: int) -> bytes | None:
    row = session.get(ProgrammeLogo, programme_id)
    return bytes(row.png) if row is not None else None
