"""The lines of our bank account, each recorded once by the bank's own reference.

A bank reports the same line more than once (the intraday camt.054, then the end-of-day
camt.053; sometimes twice in one file). The line is recorded once, when its file is
applied: a line whose reference is already recorded for the account is a *repeat* and
changes nothing. Lines without a reference are recorded too (they can still never settle a
transfer twice: a transfer moves only from the state the line expects).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from voucher.db.models import BankImport, BankMovement, PaymentTransfer
from voucher.domain import bank
from voucher.domain.calendar import utcnow


def row_of(m: bank.Match, numbers: dict[int, str]) -> dict[str, Any]:
    """A match as stored on its import (JSON), shown to the person who applies it."""
    line = m.line
    return {
        "index": line.index,
        "amount_cents": line.amount_cents,
        "direction": line.direction,
        "booking_date": line.booking_date.isoformat() if line.booking_date else None,
        "end_to_end_id": line.end_to_end_id,
        "iban": ", ".join(line.ibans),
        "reference": line.reference,
        "info": line.info,
        "counterparty": line.counterparty,
        "recordable": line.recordable,
        "return_reason": line.return_reason,
        "transfer_id": m.transfer_id,
        "statement": numbers.get(m.transfer_id or 0),
        "outcome": m.outcome,
        "matched_by": m.matched_by,
        "note": m.note,
    }


def known_ids(session: Session) -> dict[str, tuple[int, str]]:
    """Every EndToEndId we ever sent: (transfer id, status). A line naming one of them is
    matched to that transfer or to nothing, never by amount."""
    return {
        str(e): (int(i), str(s))
        for i, e, s in session.execute(
            select(PaymentTransfer.id, PaymentTransfer.end_to_end_id, PaymentTransfer.status)
        )
    }


def seen(session: Session, account: str) -> frozenset[str]:
    return frozenset(
        str(r)
        for r in session.scalars(
            select(BankMovement.reference).where(
                BankMovement.account_iban == account, BankMovement.reference.isnot(None)
            )
        )
    )


def originals(session: Session, account: str) -> dict[str, int]:
    """The bank reference of each debit that paid one of our transfers: a return naming it
    (instead of our EndToEndId) is matched to that transfer."""
    return {
        str(r): int(t or 0)
        for r, t in session.execute(
            select(BankMovement.reference, BankMovement.transfer_id).where(
                BankMovement.account_iban == account,
                BankMovement.reference.isnot(None),
                BankMovement.transfer_id.isnot(None),
                BankMovement.outcome == "paid",
            )
        )
    }


def already(session: Session, account: str, reference: str | None) -> bool:
    if reference is None:
        return False
    return (
        session.scalar(
            select(BankMovement.id).where(
                BankMovement.account_iban == account, BankMovement.reference == reference
            )
        )
        is not None
    )


def record(
    session: Session, imp: BankImport, row: dict[str, Any], outcome: str, transfer_id: int | None
) -> None:
    """Record one booked line of ``imp`` (``row`` as stored on the import)."""
    booked = row.get("booking_date")
    session.add(
        BankMovement(
            account_iban=imp.account_iban or "",
            reference=row.get("reference"),
            bank_import_id=imp.id,
            line_index=int(row["index"]),
            booking_date=date.fromisoformat(booked) if booked else None,
            direction=row["direction"] if row.get("direction") in ("DBIT", "CRDT") else "CRDT",
            amount_cents=int(row["amount_cents"]),
            end_to_end_id=(row.get("end_to_end_id") or None) and str(row["end_to_end_id"])[:35],
            return_reason=(row.get("return_reason") or None) and str(row["return_reason"])[:10],
            counterparty=(row.get("counterparty") or None) and str(row["counterparty"])[:140],
            transfer_id=transfer_id,
            outcome=outcome,
            recorded_at=utcnow(),
        )
    )
    session.flush()
