"""The attacker's and the unlucky user's view of supporting documents: a file whose name
lies about its content, an oversized file, a name that is a path, and another
organisation trying to read a document. Each is refused in French and changes nothing."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests import factories as f
from tests.web import workspace_world
from tests.web.workspace_world import PASSWORD, login
from voucher.db.models import AuditEvent, PlaceDocument
from voucher.domain.errors import DomainError
from voucher.domain.uploads import MAX_BYTES
from voucher.services.organisations import documents, qualification

# The web world (users who sign in), not the API one tests/adversary/conftest.py gives.
world = workspace_world.world
cheap_argon2 = workspace_world.cheap_argon2

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
        select(AuditEvent.action)
        .where(AuditEvent.object_type == "place_document")
        .order_by(AuditEvent.id)
    ).all()
    assert actions == ["document.upload", "document.correction"]


# Through the web: the same promises, from the browser's side.


def _place_with_document(app):
    from tests.services.places import place_world as pw
    from voucher.db.engine import unit_of_work

    store = Path(app.instance_path) / "documents"
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        pw.load_extract(s)
        org, _ = pw.ready_place(s, store)
        doc_id = documents.of_organisation(s, org.id)[0].id
        qualification.register_place(
            s,
            f.ACTOR,
            siret=pw.CHATELLERAULT,
            email="autre@exemple.test",
            name="B",
            password="x" * 12,
        )
    return doc_id


def test_another_organisation_never_reaches_a_document_through_the_web(client, world, app):
    doc_id = _place_with_document(app)
    assert client.get(f"/lieu/documents/{doc_id}").status_code in (302, 401)  # sign in first
    for email, password in (
        ("autre@exemple.test", "x" * 12),  # another place
        (world.emails["reception_a"], PASSWORD),  # a place's reception desk
        (world.emails["admin_a"], PASSWORD),  # another organisation's administrator
    ):
        login(client, email, password)
        assert client.get(f"/lieu/documents/{doc_id}").status_code == 404, email
        assert client.get(f"/lieu/documents/{doc_id + 1000}").status_code == 404
    login(client, "lieu@exemple.test", "x" * 12)
    mine = client.get(f"/lieu/documents/{doc_id}")
    assert mine.status_code == 200 and mine.data == PDF
    assert mine.headers["Content-Disposition"].startswith("attachment")
    assert mine.headers["X-Content-Type-Options"] == "nosniff"
    login(client, world.emails["admin"])  # the operator reviews it
    assert client.get(f"/lieu/documents/{doc_id}").status_code == 200


def test_a_disguised_upload_through_the_web_is_refused_in_french_and_changes_nothing(
    client, world, app
):
    from tests.web.workspace_world import post

    _place_with_document(app)
    login(client, "autre@exemple.test", "x" * 12)
    engine = app.extensions["voucher.engine"]
    with Session(engine) as s:
        before = _counts(s)
    for name, data in (
        ("rib.pdf", b"<svg onload=alert(1)>"),
        ("../../../static/rib.pdf", PDF),
        ("rib.jpg", PNG),
    ):
        refused = post(
            client,
            "/lieu/documents",
            {"kind": "rib", "file": (io.BytesIO(data), name)},
            form_page="/lieu/",
            content_type="multipart/form-data",
        )
        body = refused.get_data(as_text=True)
        assert refused.status_code == 422, name
        assert 'aria-invalid="true"' in body and 'href="#file"' in body
        assert "Nom de fichier refusé" in body or "Type de fichier refusé" in body
    with Session(engine) as s:
        assert _counts(s) == before
    assert not list(Path(app.static_folder).rglob("rib.pdf"))


def test_an_oversized_upload_through_the_web_stops_before_it_is_read(client, world, app):
    from tests.web.workspace_world import token

    _place_with_document(app)
    login(client, "autre@exemple.test", "x" * 12)
    engine = app.extensions["voucher.engine"]
    with Session(engine) as s:
        before = _counts(s)
    csrf = token(client.get("/lieu/"))
    big = b"%PDF-" + b"0" * (MAX_BYTES + 128 * 1024)
    body = b"".join(  # built by hand: an in-memory body, no spooled file left open
        [
            b'--b\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n',
            csrf.encode(),
            b'\r\n--b\r\nContent-Disposition: form-data; name="kind"\r\n\r\nrib\r\n',
            b'--b\r\nContent-Disposition: form-data; name="file"; filename="rib.pdf"\r\n',
            b"Content-Type: application/pdf\r\n\r\n",
            big,
            b"\r\n--b--\r\n",
        ]
    )
    refused = client.post(
        "/lieu/documents", data=body, content_type="multipart/form-data; boundary=b"
    )
    assert refused.status_code == 413
    assert "Fichier trop volumineux" in refused.get_data(as_text=True)
    with Session(engine) as s:
        assert _counts(s) == before
