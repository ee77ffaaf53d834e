"""Alerts raised when a refused scan is logged (the refusal hooks of
:mod:`voucher.services.redemption.screening`).

Rules kept (each hook looks at one kind of refusal and ignores the others):

* ``already_redeemed``: one alert with the pair (first structure and time, second structure
  and time), ``high`` from another structure, ``medium`` from the same one more than the
  programme's ``same_desk_minutes`` later; a double beep at the same desk within that delay
  is no alert;
* ``cancelled`` for a voucher of a book reported lost or stolen: one ``high`` alert naming
  the structure that presented it;
* ``mistyped_code`` / ``unknown_code`` that just locked a source for code guessing: one
  ``high`` alert naming the source, when the lock starts (not for each later failure).

They run in the caller's transaction, which keeps the refusal log: the refused scan itself
changed nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import cast

from sqlalchemy import Table, bindparam, select
from sqlalchemy.orm import Session

from voucher.db.models import Book, Programme, Redemption, Voucher
from voucher.domain import fraud
from voucher.domain.code_guessing import GUESS_REASONS
from voucher.services.context import Actor
from voucher.services.redemption import guessing
from voucher.services.redemption.alerts import raise_flag
from voucher.services.redemption.scan_statements import LIVE

_R = cast(Table, Redemption.__table__).c
_V = cast(Table, Voucher.__table__).c
_B = cast(Table, Book.__table__).c
_FIRST_LIVE = select(_R.id, _R.structure_id, _R.scanned_at, _R.programme_id).where(
    _R.voucher_id == bindparam("vid"), _R.status.in_(LIVE)
)
_VOUCHER_BOOK = (
    select(_B.serial, _B.status, _B.reported_at, _V.programme_id)
    .select_from(
        cast(Table, Voucher.__table__).join(cast(Table, Book.__table__), _B.id == _V.book_id)
    )
    .where(_V.id == bindparam("vid"))
)


@dataclass(frozen=True)
class Refusal:
    """A refused scan as logged by :func:`voucher.services.redemption.scan.record_refusal`."""

    actor: Actor
    structure_id: int | None
    voucher_id: int | None
    reason: str
    at: datetime


def second_scan(session: Session, refusal: Refusal) -> None:
    if refusal.reason != "already_redeemed" or refusal.voucher_id is None:
        return
    first = session.connection().execute(_FIRST_LIVE, {"vid": refusal.voucher_id}).first()
    if first is None:
        return
    raw = session.scalar(
        select(Programme.fraud_thresholds).where(Programme.id == first.programme_id)
    )
    p = fraud.effective(raw or {}, "already_redeemed")
    elsewhere = first.structure_id != refusal.structure_id
    if not p["active"]:
        return
    if not elsewhere and refusal.at - first.scanned_at <= timedelta(minutes=p["same_desk_minutes"]):
        return
    raise_flag(
        session,
        "already_redeemed",
        "refuse",
        fraud.severity("already_redeemed", "refuse", elsewhere=elsewhere),
        programme_id=first.programme_id,
        structure_id=refusal.structure_id,
        redemption_id=first.id,
        voucher_id=refusal.voucher_id,
        at=refusal.at,
        details={
            "first_structure_id": first.structure_id,
            "first_at": first.scanned_at.isoformat(),
            "second_structure_id": refusal.structure_id,
            "second_at": refusal.at.isoformat(),
        },
    )


def lost_or_stolen_book(session: Session, refusal: Refusal) -> None:
    if refusal.reason != "cancelled" or refusal.voucher_id is None:
        return
    book = session.connection().execute(_VOUCHER_BOOK, {"vid": refusal.voucher_id}).first()
    if book is None or book.status not in ("lost", "stolen"):
        return
    raise_flag(
        session,
        "lost_or_stolen_book",
        "refuse",
        fraud.severity("lost_or_stolen_book", "refuse"),
        programme_id=book.programme_id,
        structure_id=refusal.structure_id,
        voucher_id=refusal.voucher_id,
        at=refusal.at,
        details={
            "book_serial": book.serial,
            "book_status": book.status,
            "reported_at": book.reported_at.isoformat() if book.reported_at else None,
        },
    )


def guessing_lock(session: Session, refusal: Refusal) -> None:
    if refusal.reason not in GUESS_REASONS:
        return
    change = guessing.lock_started(session, refusal.actor, refusal.at)
    if change is None:
        return
    source, state = change
    raise_flag(
        session,
        "code_guessing",
        "refuse",
        fraud.severity("code_guessing", "refuse"),
        structure_id=refusal.structure_id,
        at=refusal.at,
        details={
            **source,
            "failures": state.failures,
            "locked_until": state.locked_until.isoformat() if state.locked_until else None,
        },
    )
