"""The attacker's and the unlucky user's view of supporting documents: a file whose name
lies about its content, an oversized file, a name that is a path, and another
organisation trying to read a document. Each is refused in French and changes nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests import factories as f
from voucher.db.models import AuditEvent, PlaceDocument
from voucher.domain.errors import DomainError
from voucher.domain.uploads import MAX_BYTES
from voucher.services.organisations import documents

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def _counts(session):
    return (
        session.scalar(select(func.count()).select_from(PlaceDocument)),
        session.scalar(select(func.count()).select_from(AuditEvent)),
    )


def _files(store):
    return sorted(p for p in store.rglob("*") if p.is_file()) if store.exists() else []


@pytest.mark.parametrize(
    ("filename", "data", "code"),
    [
        ("statuts.pdf", b"MZ\x90\x00 an executable named like a PDF", "upload_type"),
        ("rib.pdf", b"<html><script>alert(1)</script></html>", "upload_type"),
        ("rib.png", b"GIF89a" + b"\x00" * 20, "upload_type"),
        ("kbis.pdf", PNG, "upload_name"),
        ("photo.jpg", PDF, "upload_name"),
        ("statuts.pdf.exe", PDF, "upload_name"),
        ("vide.pdf", b"", "upload_empty"),
        ("gros.pdf", b"%PDF-" + b"0" * MAX_BYTES, "upload_too_large"),
        ("../../etc/passwd.pdf", PDF, "upload_path"),
        ("..\\..\\web\\static\\x.pdf", PDF, "upload_path"),
        ("/var/lib/voucher/x.pdf", PDF, "upload_path"),
        ("statuts\x00.png.pdf", PDF, "upload_path"),
    ],
)
def test_a_disguised_oversized_or_path_upload_is_refused_and_changes_nothing(
    session, tmp_path, filename, data, code
):
    org = f.structure(session, "EPN Dépôt")
    store = tmp_path / "documents"
    before = _counts(session)
    with pytest.raises(DomainError) as refused:
        documents.upload(
            session, f.ACTOR, store, org.id, kind="statuts", filename=filename, data=data
        )
    assert refused.value.code == code
    assert refused.value.message[0].isupper() and "fichier" in refused.value.message.lower()
    assert _counts(session) == before
    assert _files(store) == []


def test_an_unknown_kind_is_refused(session, tmp_path):
    org = f.structure(session, "EPN Type")
    with pytest.raises(DomainError) as refused:
        documents.upload(
            session, f.ACTOR, tmp_path, org.id, kind="../../x", filename="a.pdf", data=PDF
        )
    assert refused.value.code == "upload_kind"
    assert _files(tmp_path) == []


def test_a_good_file_is_kept_under_its_hash_outside_any_name_given(session, tmp_path):
    org = f.structure(session, "EPN Bon")
    doc = documents.upload(
        session, f.ACTOR, tmp_path, org.id, kind="statuts", filename="Statuts 2024.PDF", data=PDF
    )
    assert doc.media_type == "application/pdf" and doc.filename == "Statuts 2024.PDF"
    assert _files(tmp_path) == [documents.blob_path(tmp_path, doc.sha256)]
    assert documents.read(tmp_path, doc) == PDF


def test_a_tampered_file_is_not_served(session, tmp_path):
    org = f.structure(session, "EPN Altéré")
    doc = documents.upload(
        session, f.ACTOR, tmp_path, org.id, kind="rib", filename="rib.pdf", data=PDF
    )
    documents.blob_path(tmp_path, doc.sha256).write_bytes(PDF + b"changed")
    with pytest.raises(DomainError) as refused:
        documents.read(tmp_path, doc)
    assert refused.value.code == "document_damaged"


def test_another_organisation_never_reaches_a_document(session, tmp_path):
    mine, other = f.structure(session, "EPN A"), f.structure(session, "EPN B")
    doc = documents.upload(
        session, f.ACTOR, tmp_path, mine.id, kind="rib", filename="rib.pdf", data=PDF
    )
    with pytest.raises(DomainError) as refused:
        documents.visible(session, doc.id, organisation_id=other.id, operator=False)
    assert refused.value.code == "not_found"
    with pytest.raises(DomainError):
        documents.visible(session, doc.id, organisation_id=None, operator=False)
    assert documents.visible(session, doc.id, organisation_id=mine.id, operator=False) is doc
    assert documents.visible(session, doc.id, organisation_id=None, operator=True) is doc


def test_a_correction_needs_a_message_and_every_decision_is_audited(session, tmp_path):
    org = f.structure(session, "EPN Revue")
    doc = documents.upload(
        session, f.ACTOR, tmp_path, org.id, kind="rib", filename="rib.png", data=PNG
    )
    with pytest.raises(DomainError) as refused:
        documents.decide(session, f.SECOND, doc.id, validate=False, note="  ")
    assert refused.value.code == "note_required_correction"
    documents.decide(session, f.SECOND, doc.id, validate=False, note="RIB illisible")
    assert doc.status == "correction" and doc.note == "RIB illisible"
    with pytest.raises(DomainError) as again:
        documents.decide(session, f.SECOND, doc.id, validate=True)
    assert again.value.code == "document_decided"
    actions = session.scalars(
        select(AuditEvent.action).where(AuditEvent.object_type == "place_document")
    ).all()
    assert actions == ["document.upload", "document.correction"]
