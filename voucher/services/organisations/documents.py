"""A place's supporting documents: upload, the operator's review, and reading them back.

Rules kept: the content decides the type (:mod:`voucher.domain.uploads`), a refusal
changes nothing (no row, no file); the bytes are kept outside the web root, in the
instance folder, under their SHA-256 (write-once: the same bytes are stored once, and an
upload whose transaction is rolled back leaves at most an unreferenced blob, never a row);
the hash is checked again on every read. A document is read by its own organisation or
by the operator, nobody else: to anyone else it does not exist (``not_found``). The
operator validates a pending document or asks for a correction with a message; every
upload and decision is audited.
"""

from __future__ import annotations

import hashlib
import os
import secrets
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from voucher.db.models import Organisation, PlaceDocument
from voucher.domain import uploads
from voucher.domain.calendar import utcnow
from voucher.domain.errors import DomainError, register
from voucher.services import audit
from voucher.services.context import Actor

register("note_required_correction", "Indiquez ce qui doit être corrigé (500 caractères au plus).")
register("document_decided", "Ce justificatif a déjà été examiné.")
register(
    "document_damaged", "Ce justificatif est endommagé : demandez au lieu de l'envoyer à nouveau."
)


def blob_path(store: Path, sha256: str) -> Path:
    return store / sha256[:2] / sha256


def _keep(store: Path, sha256: str, data: bytes) -> None:
    target = blob_path(store, sha256)
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temp = target.parent / f".{sha256}.{secrets.token_hex(8)}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(temp, target)


def upload(
    session: Session,
    actor: Actor,
    store: Path,
    organisation_id: int,
    *,
    kind: str,
    filename: str,
    data: bytes,
) -> PlaceDocument:
    checked = uploads.check(data, filename, kind)
    if session.get(Organisation, organisation_id) is None:
        raise DomainError("not_found", object="organisation")
    sha256 = hashlib.sha256(data).hexdigest()
    _keep(store, sha256, data)
    doc = PlaceDocument(
        organisation_id=organisation_id,
        kind=kind,
        filename=checked.filename,
        media_type=checked.media_type,
        size_bytes=len(data),
        sha256=sha256,
        status="pending",
        uploaded_by=actor.user_id,
        uploaded_at=utcnow(),
    )
    session.add(doc)
    session.flush()
    audit.record(
        session,
        actor,
        "document.upload",
        ("place_document", doc.id),
        organisation_id=organisation_id,
        kind=kind,
        sha256=sha256,
        size=len(data),
    )
    return doc


def visible(
    session: Session, document_id: int, *, organisation_id: int | None, operator: bool
) -> PlaceDocument:
    """The document if this viewer may see it; otherwise it does not exist."""
    doc = session.get(PlaceDocument, document_id)
    if doc is None or not (operator or doc.organisation_id == organisation_id):
        raise DomainError("not_found", object="document")
    return doc


def read(store: Path, doc: PlaceDocument) -> bytes:
    path = blob_path(store, doc.sha256)
    try:
        data = path.read_bytes()
    except OSError:
        raise DomainError("document_damaged") from None
    if hashlib.sha256(data).hexdigest() != doc.sha256:
        raise DomainError("document_damaged")
    return data


def decide(
    session: Session, actor: Actor, document_id: int, *, validate: bool, note: str | None = None
) -> PlaceDocument:
    doc = session.get(PlaceDocument, document_id)
    if doc is None:
        raise DomainError("not_found", object="document")
    if doc.status != "pending":
        raise DomainError("document_decided")
    clean = (note or "").strip()
    if not validate and not (0 < len(clean) <= 500):
        raise DomainError("note_required_correction", field="note")
    doc.status = "validated" if validate else "correction"
    doc.note = clean or None
    doc.decided_by = actor.user_id
    doc.decided_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor,
        f"document.{doc.status}",
        ("place_document", doc.id),
        organisation_id=doc.organisation_id,
        kind=doc.kind,
        note=doc.note,
    )
    return doc


def of_organisation(session: Session, organisation_id: int) -> list[PlaceDocument]:
    return list(
        session.scalars(
            select(PlaceDocument)
            .where(PlaceDocument.organisation_id == organisation_id)
            .order_by(PlaceDocument.id)
        )
    )


def pending(session: Session) -> list[tuple[PlaceDocument, str]]:
    rows = session.execute(
        select(PlaceDocument, Organisation.name)
        .join(Organisation, Organisation.id == PlaceDocument.organisation_id)
        .where(PlaceDocument.status == "pending")
        .order_by(PlaceDocument.uploaded_at, PlaceDocument.id)
    ).all()
    return [(d, str(n)) for d, n in rows]


def missing(session: Session, organisation_id: int, legal_form: str | None) -> list[str]:
    """Kinds the legal form requires that have no document pending or validated."""
    have = {d.kind for d in of_organisation(session, organisation_id) if d.status != "correction"}
    return [k for k in uploads.REQUIRED_BY_FORM.get(legal_form or "", ()) if k not in have]


def all_validated(session: Session, organisation_id: int, legal_form: str | None) -> bool:
    done = {d.kind for d in of_organisation(session, organisation_id) if d.status == "validated"}
    needed = uploads.REQUIRED_BY_FORM.get(legal_form or "", ())
    return bool(needed) and all(k in done for k in needed)
