"""What a programme adds to its carnets' cover: the funder's logo and its own text.

Rules kept:

* funder staff of the programme only (:mod:`voucher.services.printing.access`);
* a PNG or an SVG, checked before anything is stored
  (:func:`voucher.documents.logo.check_logo`): a PNG of at most 1 MB, decoded whole, 100 to
  4,000 pixels a side, not animated; an SVG parsed safely, with nothing that runs or
  fetches, no text left as text, at most 1 MB and 5,000 elements (``logo_svg``). The
  file's name, when given, must say what the content is (``upload_name``);
* the file is stored as sent (PNG and SVG are told apart by content); the carnet draws it
  in CMYK (the PDF holds CMYK only);
* a refusal changes nothing; a new logo replaces the old one; each upload is audited with
  its SHA-256;
* the programme may replace the lines of "À quoi sert ce carnet ?" (plain-language default
  in :func:`voucher.domain.printing.default_purpose`): at most 6 lines of 160 characters,
  one short sentence each, and the whole front must still fit at 14 points
  (``cover_overflow`` otherwise); an empty text goes back to the default.
"""

from __future__ import annotations

import hashlib

from sqlalchemy.orm import Session

from voucher.db.models import Programme, ProgrammeCover, ProgrammeLogo
from voucher.db.queries.printing import funder_names
from voucher.documents.carnet_cover import front_fits
from voucher.documents.logo import check_logo
from voucher.domain import uploads  # noqa: F401 - registers upload_name
from voucher.domain.calendar import last_valid_day, utcnow
from voucher.domain.errors import DomainError
from voucher.domain.printing import CarnetInfo, purpose_lines
from voucher.services import audit
from voucher.services.context import Actor
from voucher.services.printing.access import require_funder_staff


def set_logo(
    session: Session, actor: Actor, programme_id: int, data: bytes, filename: str | None = None
) -> ProgrammeLogo:
    programme = session.get(Programme, programme_id)
    if programme is None:
        raise DomainError("not_found", object="programme")
    require_funder_staff(session, actor, programme)
    kind, width, height = check_logo(data)
    if filename is not None and not filename.lower().endswith(f".{kind}"):
        raise DomainError("upload_name", field="logo")
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
        kind=kind,
        size_bytes=len(data),
        width=width,
        height=height,
    )
    return row


def logo_png(session: Session, programme_id: int) -> bytes | None:
    row = session.get(ProgrammeLogo, programme_id)
    return bytes(row.png) if row is not None else None


def set_cover_text(session: Session, actor: Actor, programme_id: int, text: str) -> tuple[str, ...]:
    """The programme's own lines for the cover's "À quoi sert ce carnet ?"; an empty text
    goes back to the plain-language default. Funder staff only, audited."""
    programme = session.get(Programme, programme_id)
    if programme is None:
        raise DomainError("not_found", object="programme")
    require_funder_staff(session, actor, programme)
    lines = purpose_lines(text)
    if lines and not front_fits(carnet_preview(session, programme, lines)):
        raise DomainError("cover_overflow")
    row = session.get(ProgrammeCover, programme_id)
    if not lines:
        if row is not None:
            session.delete(row)
    else:
        if row is None:
            row = ProgrammeCover(programme_id=programme_id)
            session.add(row)
        row.purpose, row.updated_at, row.updated_by = "\n".join(lines), utcnow(), actor.user_id
    session.flush()
    audit.record(session, actor, "print.cover_text", ("programme", programme_id), lines=list(lines))
    return lines


def carnet_preview(
    session: Session, programme: Programme, lines: tuple[str, ...] = ()
) -> CarnetInfo:
    """The cover's data as a batch of the programme would print it (the face value and
    the grace change the "Jusqu'à quand ?" lines)."""
    return CarnetInfo(
        programme=programme.name,
        funders=funder_names(session, programme),
        face_value_cents=programme.face_value_cents,
        vouchers_per_book=programme.vouchers_per_book,
        valid_until=programme.valid_until,
        accepted_until=last_valid_day(programme.valid_until, programme.grace_days),
        purpose=lines,
    )


def cover_purpose(session: Session, programme_id: int) -> tuple[str, ...]:
    row = session.get(ProgrammeCover, programme_id)
    return tuple(row.purpose.split("\n")) if row is not None else ()
