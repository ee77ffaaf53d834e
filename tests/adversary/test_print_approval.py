"""The approver's test of "approve what you saw": approving proof A does not approve a
later proof B made by a colleague (with QR codes); production is refused until B itself is
approved, and then follows B and says so."""

from __future__ import annotations

import hashlib

import pytest
import zxingcpp
from sqlalchemy import select

from tests.documents import print_world as pw
from voucher.db.models import AuditEvent, PrintFile
from voucher.domain.errors import DomainError
from voucher.services.printing import approval, production


def _proof(session, p, *, qr: bool = False) -> str:
    return hashlib.sha256(
        b"".join(production.proof(session, p.funder, p.batch_id, qr=qr).chunks())
    ).hexdigest()


def test_approving_proof_a_never_approves_a_later_proof_b(session):
    p = pw.world(session, books=1)
    a = _proof(session, p)
    approval.approve_proof(session, p.funder, p.batch_id, a)
    b = _proof(session, p, qr=True)  # a colleague's later proof, not read by the approver
    assert a != b
    with pytest.raises(DomainError) as exc:
        production.production(session, p.funder, p.batch_id)
    assert exc.value.code == "proof_newer_not_approved" and b[:16] in exc.value.message
    with pytest.raises(DomainError) as exc:  # approving "what I read" names A: refused
        approval.approve_proof(session, p.funder, p.batch_id, a)
    assert exc.value.code == "proof_superseded" and b[:16] in exc.value.message
    assert session.scalars(select(PrintFile).where(PrintFile.kind == "production")).all() == []

    approved_b = approval.approve_proof(session, p.funder, p.batch_id, b)
    job = production.production(session, p.funder, p.batch_id)
    data = b"".join(job.chunks())
    assert len(pw.decode_pages(data, zxingcpp.BarcodeFormat.QRCode)) == 10  # B's design
    row = session.get(PrintFile, job.result.print_file_id)
    assert row.proof_id == approved_b.id
    event = session.scalars(select(AuditEvent).where(AuditEvent.action == "print.production")).one()
    assert event.details["proof_sha256"] == b


def test_the_same_bytes_made_again_are_the_proof_already_approved(session):
    p = pw.world(session, books=1)
    a = _proof(session, p)
    approval.approve_proof(session, p.funder, p.batch_id, a)
    assert _proof(session, p) == a  # deterministic: the same proof, the same hash
    assert b"".join(production.production(session, p.funder, p.batch_id).chunks())
