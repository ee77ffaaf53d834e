"""The proof (BAT): the real layout with specimen codes that can never be redeemed, marked
SPECIMEN / ÉPREUVE on every page; the funder approves it once."""

from __future__ import annotations

import pytest
import zxingcpp
from sqlalchemy import select

from tests.documents import print_world as pw
from voucher.db.models import AuditEvent, Batch, PrintFile
from voucher.domain import codes
from voucher.domain.errors import DomainError
from voucher.services.printing import approval
from voucher.services.printing import production as printing
from voucher.services.redemption import redeem


def test_the_proof_scans_to_specimen_codes_that_are_never_valid(session, printing_world):
    data = b"".join(
        printing.proof(session, printing_world.funder, printing_world.batch_id, qr=True).chunks()
    )
    scanned = pw.decode_pages(data)
    assert scanned == [codes.specimen(i) for i in range(1, 11)]
    assert pw.decode_pages(data, zxingcpp.BarcodeFormat.QRCode) == scanned
    assert pw.printed_codes(data) == scanned
    real = set(pw.batch_codes(session, printing_world.batch_id))
    for code in scanned:
        assert code not in real
        with pytest.raises(DomainError) as exc:
            codes.parse(code)
        assert exc.value.code == "mistyped_code"


def test_a_specimen_code_is_refused_at_the_reception_desk(session, printing_world):
    data = b"".join(
        printing.proof(session, printing_world.funder, printing_world.batch_id).chunks()
    )
    with pytest.raises(DomainError) as exc:
        redeem.redeem(
            session,
            printing_world.funder,
            redeem.Scan(
                code=pw.decode_pages(data)[0], structure_id=printing_world.world.structure.id
            ),
        )
    assert exc.value.code == "mistyped_code"


def test_every_page_of_the_proof_says_specimen_and_epreuve(session, printing_world):
    data = b"".join(
        printing.proof(session, printing_world.funder, printing_world.batch_id, books=2).chunks()
    )
    texts = pw.page_texts(data)
    assert len(texts) == 2 * 4
    for text in texts:
        assert "SPECIMEN" in text and "ÉPREUVE" in text and "codes non valables" in text
    pw.keep_artefact(data, 2, "epreuve-page-cheques.png")


def test_the_funder_approves_the_proof_read_once(session, printing_world):
    batch_id = printing_world.batch_id
    with pytest.raises(DomainError) as exc:
        approval.approve_proof(session, printing_world.funder, batch_id, "0" * 64)
    assert exc.value.code == "proof_missing"
    b"".join(printing.proof(session, printing_world.funder, batch_id).chunks())
    job = printing.proof(session, printing_world.funder, batch_id, qr=True)
    b"".join(job.chunks())
    for wrong, code in (("", "invalid_value"), ("f" * 64, "proof_unknown")):
        with pytest.raises(DomainError) as exc:
            approval.approve_proof(session, printing_world.funder, batch_id, wrong)
        assert exc.value.code == code
    approved = approval.approve_proof(
        session, printing_world.funder, batch_id, job.result.sha256[:12].upper()
    )
    assert session.get(Batch, batch_id).proof_approved_at is not None
    assert approved.id == job.result.print_file_id and approved.qr
    event = session.scalars(
        select(AuditEvent).where(AuditEvent.action == "print.proof_approve")
    ).one()
    assert event.details["proof_sha256"] == job.result.sha256
    with pytest.raises(DomainError) as exc:
        approval.approve_proof(session, printing_world.funder, batch_id, job.result.sha256)
    assert exc.value.code == "proof_already_approved"
    # production follows the approved design: with the QR code
    production = b"".join(printing.production(session, printing_world.funder, batch_id).chunks())
    assert len(pw.decode_pages(production, zxingcpp.BarcodeFormat.QRCode)) == 30
    assert session.get(Batch, batch_id).print_sha256 is not None
    row = session.scalars(select(PrintFile).where(PrintFile.kind == "production")).one()
    assert row.proof_id == approved.id
