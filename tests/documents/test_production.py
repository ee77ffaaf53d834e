"""The production file: every barcode scans to exactly the batch's codes, in order; the
printed digits match; its SHA-256 is on the batch and in the audit log; nothing is
produced before the funder approved the proof."""

from __future__ import annotations

import hashlib
import re

import pytest
import zxingcpp
from sqlalchemy import func, select

from tests.documents import print_world as pw
from voucher.db.models import AuditEvent, Batch, PrintFile
from voucher.domain.errors import DomainError
from voucher.services.printing import approval, production
from voucher.services.programmes import programmes, zones


@pytest.mark.parametrize("qr", [False, True], ids=["barcode", "barcode+qr"])
def test_every_barcode_of_the_production_pdf_is_exactly_the_batch_codes_in_order(
    session, printing_world, qr
):
    pw.approve(session, printing_world, qr=qr)
    data = b"".join(
        production.production(session, printing_world.funder, printing_world.batch_id).chunks()
    )
    expected = pw.batch_codes(session, printing_world.batch_id)
    assert len(expected) == 30
    assert pw.pdf_pages(data) == 3 * 4  # per book: cover front and back, vouchers and their back
    assert pw.decode_pages(data) == expected
    assert pw.decode_pages(data, zxingcpp.BarcodeFormat.QRCode) == (expected if qr else [])
    if not qr:
        pw.keep_artefact(data, 2, "carnet-page-cheques.png")
        pw.keep_artefact(data, 1, "carnet-couverture-verso.png")
        pw.keep_artefact(data, 0, "carnet-couverture.png")


def test_the_code_printed_in_digits_is_the_one_in_the_barcode(session, printing_world):
    pw.approve(session, printing_world)
    data = b"".join(
        production.production(session, printing_world.funder, printing_world.batch_id).chunks()
    )
    assert (
        pw.printed_codes(data)
        == pw.decode_pages(data)
        == pw.batch_codes(session, printing_world.batch_id)
    )


def test_each_voucher_says_what_it_is_where_it_is_accepted_and_until_when(session, printing_world):
    pw.approve(session, printing_world)
    data = b"".join(
        production.production(session, printing_world.funder, printing_world.batch_id).chunks()
    )
    texts = pw.page_texts(data)
    serial = f"{printing_world.world.batch.first_serial:06d}"
    cover, vouchers = texts[0] + " " + texts[1], texts[2]
    assert "Votre carnet de pass numériques" in cover and f"Carnet n° {serial}" in cover
    assert "10 chèques de 10,00 €" in cover
    assert "Utilisez vos chèques avant le 31 décembre 2099." in cover
    assert "Ils sont encore acceptés jusqu'au 31 janvier 2100." in cover  # 31 days of grace
    assert "offert par la Fondation A et le Département B" in cover
    assert vouchers.count("Accepté uniquement dans les lieux labellisés") == 10
    assert vouchers.count("10,00 €") == 10 and "Valable jusqu'au 31/12/2099" in vouchers
    assert "Financé par la Fondation A et le Département B" in vouchers
    assert (
        f"chèque 3/10 — carnet {serial}" in vouchers
        and f"chèque 10/10 — carnet {serial}" in vouchers
    )
    assert "Chèque 3/10" in vouchers and "SOUCHE" in vouchers  # the counterfoil
    assert "SPECIMEN" not in "".join(texts)


def test_the_fonts_are_embedded(session, printing_world):
    pw.approve(session, printing_world)
    data = b"".join(
        production.production(session, printing_world.funder, printing_world.batch_id).chunks()
    )
    embedded = set(re.findall(rb"/BaseFont /[A-Z]{6}\+(DejaVu[A-Za-z-]*)", data))
    assert embedded == {b"DejaVuSans", b"DejaVuSans-Bold", b"DejaVuSansMono"}
    assert data.count(b"/FontFile2") >= 3  # the TrueType programs themselves
    assert b"/Helvetica" not in data  # no font left for the printer to substitute


def test_the_sha256_recorded_on_the_batch_and_in_the_audit_is_the_files(session, printing_world):
    pw.approve(session, printing_world)
    job = production.production(session, printing_world.funder, printing_world.batch_id)
    data = b"".join(job.chunks())
    digest = hashlib.sha256(data).hexdigest()
    batch = session.get(Batch, printing_world.batch_id)
    assert (
        job.result is not None
        and job.result.sha256 == digest
        and job.result.size_bytes == len(data)
    )
    assert batch.print_sha256 == digest and batch.printed_at is not None
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "print.production")).one()
    assert (
        event.details["sha256"] == digest
        and event.object_id == batch.id
        and event.details["first_print"]
    )
    # a second production (another print shop) is a new file with its own hash, both
    # recorded; the batch keeps the first; the vouchers printed are the same
    first_time = batch.printed_at
    again = b"".join(
        production.production(session, printing_world.funder, printing_world.batch_id).chunks()
    )
    assert again != data and batch.printed_at == first_time and batch.print_sha256 == digest
    assert pw.decode_pages(again) == pw.decode_pages(data)
    numbers = session.scalars(
        select(AuditEvent.details).where(AuditEvent.action == "print.production")
    ).all()
    assert sorted(d["production_number"] for d in numbers) == [1, 2]
    assert (
        session.scalar(
            select(func.count()).select_from(PrintFile).where(PrintFile.kind == "production")
        )
        == 2
    )


def test_production_is_refused_before_the_proof_is_approved(session, printing_world):
    with pytest.raises(DomainError) as exc:
        production.production(session, printing_world.funder, printing_world.batch_id)
    assert exc.value.code == "proof_not_approved"
    b"".join(production.proof(session, printing_world.funder, printing_world.batch_id).chunks())
    with pytest.raises(DomainError) as exc:
        production.production(session, printing_world.funder, printing_world.batch_id)
    assert exc.value.code == "proof_not_approved"
    batch = session.get(Batch, printing_world.batch_id)
    assert batch.print_sha256 is None and batch.printed_at is None
    assert (
        session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "print.production")
        )
        == 0
    )


def test_a_file_not_produced_to_the_end_is_not_recorded(session, printing_world):
    pw.approve(session, printing_world)
    job = production.production(session, printing_world.funder, printing_world.batch_id)
    next(iter(job.chunks()))  # the download stops after the first chunk
    assert job.result is None
    assert session.get(Batch, printing_world.batch_id).print_sha256 is None


def test_a_large_batch_streams_as_a_zip_of_pdf_parts(session):
    p = pw.world(session, books=5)
    pw.approve(session, p)
    job = production.production(session, p.funder, p.batch_id, part_books=2)
    chunks = list(job.chunks())
    data = b"".join(chunks)
    assert (
        job.media_type == "application/zip" and job.filename.endswith(".zip") and len(chunks) >= 3
    )
    first = p.world.batch.first_serial
    parts = pw.zip_parts(data)
    assert [name for name, _ in parts] == [
        f"lot-{p.batch_id}-carnets-{first:06d}-{first + 1:06d}.pdf",
        f"lot-{p.batch_id}-carnets-{first + 2:06d}-{first + 3:06d}.pdf",
        f"lot-{p.batch_id}-carnets-{first + 4:06d}-{first + 4:06d}.pdf",
    ]
    assert [c for _, part in parts for c in pw.decode_pages(part)] == pw.batch_codes(
        session, p.batch_id
    )
    assert session.get(Batch, p.batch_id).print_sha256 == hashlib.sha256(data).hexdigest()


def test_only_the_programmes_funder_staff_print(session, printing_world):
    from tests import factories as f
    from voucher.services.context import Actor

    pw.approve(session, printing_world)
    other = f.funder(session, "Fondation C")
    w = printing_world.world
    strangers = [
        Actor(label="autre financeur", organisation_id=other.id, role="funder"),
        Actor(label="prescripteur", organisation_id=w.prescriber.id, role="prescriber"),
        Actor(label="finance", organisation_id=w.funder_a.id, role="finance"),
        f.ACTOR,
    ]
    for actor in strangers:
        for start in (
            production.production,
            production.proof,
            lambda s, a, b: approval.approve_proof(s, a, b, "0" * 64),
            production.printer_csv,
        ):
            with pytest.raises(DomainError) as exc:
                start(session, actor, printing_world.batch_id)
            assert exc.value.code == "forbidden", actor.label
    co_funder = Actor(
        label="Dominique (Département B)", organisation_id=w.funder_b.id, role="funder"
    )
    assert b"".join(production.production(session, co_funder, printing_world.batch_id).chunks())


def test_the_cover_names_labelled_places_of_the_programmes_zones(session):
    from tests import factories as f

    zone = zones.create_zone(
        session, f.ACTOR, name="Vienne Nord", kind="rural", communes=[("86194", "Poitiers", 1)]
    )
    p = pw.world(session, books=1, zone_ids=[zone.id])  # its structure is in 86194, labelled
    f.structure(session, "Médiathèque sans label", label=None)
    f.structure(session, "EPN ailleurs", commune="75056")
    pw.approve(session, p)
    cover = pw.page_texts(b"".join(production.production(session, p.funder, p.batch_id).chunks()))[
        1
    ]
    assert "EPN Test 12 rue de la République, 86000 Poitiers" in cover
    assert "sans label" not in cover and "ailleurs" not in cover
    other = f.structure(session, "Café numérique de Lussac", commune="86194")
    programmes.write_acceptance(
        session, p.world.programme.id, [zone.id], [other.id], []
    )  # its own list wins
    cover = pw.page_texts(b"".join(production.production(session, p.funder, p.batch_id).chunks()))[
        1
    ]
    assert "Café numérique de Lussac 12 rue" in cover and "EPN Test" not in cover
