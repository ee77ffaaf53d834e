"""Undoing a mistaken scan with a reversing entry.

Rules kept:

* reception cancels its own scans (the same person, or the same API key), at its own
  structure (another structure's scan is ``not_found``), within the programme's
  ``cancel_window_minutes``; finance cancels any scan not yet in a statement;
* a scan is cancelled once (``already_cancelled``), never after its statement
  (``already_paid``); the redemption row is locked first;
* the value goes back where it came from (``payable`` or, for a held scan, ``suspense``)
  to the voucher's current life: the book's ``outstanding`` when the voucher can be scanned
  again (``distributed`` if its book was handed out meanwhile, else ``active``), or
  ``breakage`` when its book was reported lost or stolen, or expired, meanwhile (the voucher
  then ends like its unused siblings); a held scan's hold closes as ``cancelled``;
* one journal entry and one audit event (``redemption.cancel``).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from voucher.db import dialect
from voucher.db.models import Programme, Redemption
from voucher.domain import ledger
from voucher.domain.calendar import utcnow
from voucher.domain.errors import DomainError
from voucher.domain.states import VoucherState
from voucher.services import audit
from voucher.services.context import Actor
from voucher.services.finance import journal
from voucher.services.redemption.scan_statements import BOOKS, HOLDS, VOUCHERS
from voucher.services.webhooks import events

#: voucher states a live scan leaves its voucher in
_TAKEN = sorted({VoucherState.REDEEMED, VoucherState.HELD})


def _state_after_cancel(book_status: str) -> tuple[VoucherState, Callable[[int], str] | None]:
    """Where a cancelled scan sends its voucher: back to the book's current life (handed
    out since the scan → ``distributed``), or, when the book was reported lost/stolen or
    expired meanwhile, straight to the end state its unused siblings took, value to breakage."""
    if book_status == "handed_out":
        return VoucherState.DISTRIBUTED, None
    if book_status in ("lost", "stolen"):
        return VoucherState.CANCELLED, ledger.breakage
    if book_status == "expired":
        return VoucherState.EXPIRED, ledger.breakage
    return VoucherState.ACTIVE, None


def _own_scan(session: Session, actor: Actor, red: Redemption, now: datetime) -> None:
    by_same_person = actor.user_id is not None and red.user_id == actor.user_id
    by_same_key = actor.api_key_id is not None and red.api_key_id == actor.api_key_id
    if not (by_same_person or by_same_key):
        raise DomainError("not_your_scan")
    window = session.scalar(
        select(Programme.cancel_window_minutes).where(Programme.id == red.programme_id)
    )
    if now - red.recorded_at > timedelta(minutes=window or 0):
        raise DomainError("cancel_window_passed")


def _cancellable(
    session: Session,
    actor: Actor,
    redemption_id: int,
    structure_id: int | None,
    as_finance: bool,
    now: datetime,
) -> Redemption:
    stmt = dialect.for_update(select(Redemption).where(Redemption.id == redemption_id), session)
    red = session.scalars(stmt).first()
    if red is None or (structure_id is not None and red.structure_id != structure_id):
        raise DomainError("not_found", object="redemption")
    if red.status in ("cancelled", "rejected"):
        raise DomainError("already_cancelled")
    if red.statement_id is not None:
        raise DomainError("already_paid")
    if not as_finance:
        _own_scan(session, actor, red, now)
    return red


def _reverse(session: Session, actor: Actor, red: Redemption, now: datetime) -> VoucherState:
    """Post the reversing entry; return the state the voucher goes back to."""
    if red.status == "held":
        source = ledger.suspense(red.programme_id)
    else:
        source = ledger.payable(red.structure_id)
    book = session.execute(
        select(BOOKS.c.holder_id, BOOKS.c.status).where(BOOKS.c.id == red.book_id)
    ).one()
    restored, end = _state_after_cancel(book.status)
    if end is None:
        target = ledger.outstanding(red.programme_id, int(book.holder_id or red.prescriber_id))
    else:
        target = end(red.programme_id)
    red.cancel_entry_id = journal.post(
        session,
        "redemption.cancel",
        ledger.move(red.face_value_cents, source, target),
        actor=actor,
        at=now,
    )
    return restored


def cancel(
    session: Session,
    actor: Actor,
    redemption_id: int,
    *,
    structure_id: int | None,
    as_finance: bool = False,
) -> Redemption:
    """Undo a scan with a reversing entry. Reception: own scans (same person, or same API
    key), within the programme's window. Finance: any scan not yet in a statement."""
    now = utcnow()
    red = _cancellable(session, actor, redemption_id, structure_id, as_finance, now)
    restored = _reverse(session, actor, red, now)
    moved = cast(
        CursorResult[Any],
        session.execute(
            update(VOUCHERS)
            .where(VOUCHERS.c.id == red.voucher_id, VOUCHERS.c.state.in_(_TAKEN))
            .values(state=restored, updated_at=now)
        ),
    )
    if moved.rowcount != 1:
        raise DomainError("already_paid")
    if red.status == "held":
        session.execute(
            update(HOLDS)
            .where(HOLDS.c.redemption_id == red.id)
            .values(status="cancelled", decided_at=now, decided_by=actor.user_id)
        )
    red.status, red.cancelled_at, red.cancelled_by = "cancelled", now, actor.user_id
    audit.record(
        session,
        actor,
        "redemption.cancel",
        ("redemption", red.id),
        organisation_id=red.structure_id,
        as_finance=as_finance,
    )
    events.emit(
        session,
        "redemption.cancelled",
        {
            "redemption_id": red.id,
            "programme_id": red.programme_id,
            "structure_id": red.structure_id,
        },
        [red.structure_id, *events.funders_of(session, red.programme_id)],
    )
    return red
