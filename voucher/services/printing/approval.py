"""Approving a proof (BAT): the approver names the proof they read, by its SHA-256.

Rules kept:

* the approval names the proof the approver opened: the SHA-256 (or its first 8+ hex
  digits) that ``voucher print proof`` printed and the funder's desk shows. Only the
  batch's **latest** proof can be approved; naming an older one is refused
  (``proof_superseded``), naming none of the batch's proofs too (``proof_unknown``);
* a newer proof needs its own approval: production follows the batch's latest proof and is
  refused while that proof is not approved (``proof_newer_not_approved``), even if an
  earlier one was. Two proofs with the same SHA-256 are the same bytes: approving one
  approves what the other shows;
* the production file states which approved proof it follows (``print_file.proof_id``)
  and uses its options (QR code or not).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from voucher.db.models import Batch, PrintFile
from voucher.domain.calendar import utcnow
from voucher.domain.errors import MESSAGES, DomainError
from voucher.services import audit
from voucher.services.context import Actor
from voucher.services.printing.access import load_batch

_HASH = re.compile(r"[0-9a-f]{8,64}")


def latest_proof(session: Session, batch_id: int) -> PrintFile | None:
    stmt = select(PrintFile).where(PrintFile.batch_id == batch_id, PrintFile.kind == "proof")
    return session.scalars(stmt.order_by(PrintFile.id.desc()).limit(1)).first()


def approval_of(session: Session, proof: PrintFile) -> PrintFile | None:
    """The approved proof of the same batch with the same bytes (the same SHA-256)."""
    return session.scalars(
        select(PrintFile)
        .where(
            PrintFile.batch_id == proof.batch_id,
            PrintFile.kind == "proof",
            PrintFile.sha256 == proof.sha256,
            PrintFile.approved_at.is_not(None),
        )
        .order_by(PrintFile.id.desc())
        .limit(1)
    ).first()


def approve_proof(session: Session, actor: Actor, batch_id: int, sha256: str) -> PrintFile:
    """Approve the batch's latest proof, named by the SHA-256 the approver read."""
    batch, _ = load_batch(session, actor, batch_id, lock=True)
    wanted = (sha256 or "").strip().lower()
    if not _HASH.fullmatch(wanted):
        raise DomainError("invalid_value", field="proof")
    latest = latest_proof(session, batch.id)
    if latest is None:
        raise DomainError("proof_missing")
    if not latest.sha256.startswith(wanted):
        older = session.scalar(
            select(PrintFile.id).where(
                PrintFile.batch_id == batch.id,
                PrintFile.kind == "proof",
                PrintFile.sha256.startswith(wanted),
            )
        )
        code = "proof_superseded" if older else "proof_unknown"
        raise DomainError(
            code,
            f"{MESSAGES[code]} Dernière épreuve du lot : {latest.sha256[:16]}.",
            latest=latest.sha256[:16],
        )
    if approval_of(session, latest) is not None:
        raise DomainError("proof_already_approved")
    now = utcnow()
    latest.approved_at, latest.approved_by = now, actor.user_id
    batch.proof_approved_at, batch.proof_approved_by = now, actor.user_id
    audit.record(
        session,
        actor,
        "print.proof_approve",
        ("batch", batch.id),
        proof_sha256=latest.sha256,
        print_file_id=latest.id,
        qr=latest.qr,
    )
    return latest


def approved_proof(session: Session, batch: Batch) -> PrintFile:
    """The approved proof a production follows: the batch's latest proof, approved."""
    latest = latest_proof(session, batch.id)
    if latest is None or batch.proof_approved_at is None:
        raise DomainError("proof_not_approved")
    approved = approval_of(session, latest)
    if approved is None:
        raise DomainError(
            "proof_newer_not_approved",
            f"{MESSAGES['proof_newer_not_approved']} Épreuve à valider : {latest.sha256[:16]}.",
            latest=latest.sha256[:16],
        )
    return approved


def approved_qr(session: Session, batch: Batch) -> bool:
    return bool(approved_proof(session, batch).qr)


@dataclass(frozen=True)
class ProofState:
    """The batch's latest proof, as the funder's desk shows it before approval."""

    sha256: str
    created_at: datetime
    qr: bool
    approved_at: datetime | None


def proof_state(session: Session, batch_id: int) -> ProofState | None:
    latest = latest_proof(session, batch_id)
    if latest is None:
        return None
    approved = approval_of(session, latest)
    return ProofState(
        latest.sha256, latest.created_at, latest.qr, approved.approved_at if approved else None
    )
