"""Deciding holds: release (the scan is accepted after all) or reject (it is not).

Rules kept:

* only ``funder`` staff of one of the programme's funders, or ``finance`` staff, decide
  (:mod:`voucher.services.access.programme_scope`); a hold outside the reviewer's scope is
  ``not_found``; an API key never decides (a person does);
* the reviewer is never the person who scanned (``same_person_review``);
* a hold is decided once: the redemption row is locked first (as ``redemption.cancel``
  does), then the hold; anything but an open hold on a held scan is ``hold_already_decided``;
* release: ``suspense`` → ``payable:{structure}``, voucher held → redeemed, redemption
  held → accepted (month close takes only accepted scans, so held value is never paid);
* reject: ``suspense`` → ``breakage:{programme}``, voucher → cancelled, redemption →
  rejected, with a mandatory reason;
* each decision is one journal entry and one audit event (``hold.release``, ``hold.reject``).
"""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from voucher.db import dialect
from voucher.db.models import Hold, Redemption, Voucher
from voucher.domain import ledger
from voucher.domain.calendar import utcnow
from voucher.domain.errors import DomainError, register
from voucher.domain.states import VoucherState
from voucher.services import audit
from voucher.services.access.programme_scope import scope_for
from voucher.services.context import Actor
from voucher.services.finance import journal
from voucher.services.webhooks import events

NOTE_MAX = 500

register(
    "same_person_review",
    "Vous avez vous-même scanné ce chèque : une autre personne doit vérifier ce passage.",
)
register(
    "hold_already_decided",
    "Cette vérification est déjà tranchée (passage libéré, rejeté ou annulé).",
)
register("note_required", "Indiquez en quelques mots le motif du rejet (500 caractères au plus).")


def _locked(session: Session, model: Any, object_id: int) -> Any:
    stmt = select(model).where(model.id == object_id).execution_options(populate_existing=True)
    return session.scalars(dialect.for_update(stmt, session)).first()


def _open_hold(session: Session, actor: Actor, hold_id: int) -> tuple[Hold, Redemption]:
    redemption_id = session.scalar(select(Hold.redemption_id).where(Hold.id == hold_id))
    programme_id = session.scalar(select(Hold.programme_id).where(Hold.id == hold_id))
    if redemption_id is None or not scope_for(session, actor).allows(programme_id):
        raise DomainError("not_found", object="hold")
    if actor.user_id is None:
        raise DomainError("forbidden")
    red = _locked(session, Redemption, redemption_id)
    hold = _locked(session, Hold, hold_id)
    if hold.status != "open" or red.status != "held":
        raise DomainError("hold_already_decided")
    if red.user_id == actor.user_id:
        raise DomainError("same_person_review")
    return hold, red


def _move_voucher(session: Session, voucher_id: int, state: VoucherState) -> None:
    moved = cast(
        CursorResult[Any],
        session.execute(
            update(Voucher)
            .where(Voucher.id == voucher_id, Voucher.state == VoucherState.HELD)
            .values(state=state, updated_at=utcnow())
        ),
    )
    if moved.rowcount != 1:
        raise DomainError("hold_already_decided")


def _close(hold: Hold, actor: Actor, status: str, entry_id: int, note: str | None = None) -> None:
    hold.status, hold.decided_at, hold.decided_by = status, utcnow(), actor.user_id
    hold.decision_entry_id, hold.note = entry_id, note


def release(session: Session, actor: Actor, hold_id: int) -> Hold:
    hold, red = _open_hold(session, actor, hold_id)
    entry_id = journal.post(
        session,
        "hold.release",
        ledger.move(
            red.face_value_cents,
            ledger.suspense(red.programme_id),
            ledger.payable(red.structure_id),
        ),
        actor=actor,
        memo=f"vérification {hold.id} libérée",
    )
    _move_voucher(session, red.voucher_id, VoucherState.REDEEMED)
    red.status = "accepted"
    _close(hold, actor, "released", entry_id)
    session.flush()
    audit.record(
        session,
        actor,
        "hold.release",
        ("hold", hold.id),
        organisation_id=red.structure_id,
        redemption_id=red.id,
        rule=hold.rule,
        programme_id=red.programme_id,
    )
    _announce(session, "hold.released", hold, red)
    return hold


def _announce(session: Session, event: str, hold: Hold, red: Redemption) -> None:
    data = {
        "hold_id": hold.id,
        "redemption_id": red.id,
        "programme_id": red.programme_id,
        "structure_id": red.structure_id,
        "rule": hold.rule,
    }
    events.emit(
        session, event, data, [red.structure_id, *events.funders_of(session, red.programme_id)]
    )


def reject(session: Session, actor: Actor, hold_id: int, note: str) -> Hold:
    reason = (note or "").strip()
    if not reason or len(reason) > NOTE_MAX:
        raise DomainError("note_required")
    hold, red = _open_hold(session, actor, hold_id)
    entry_id = journal.post(
        session,
        "hold.reject",
        ledger.move(
            red.face_value_cents,
            ledger.suspense(red.programme_id),
            ledger.breakage(red.programme_id),
        ),
        actor=actor,
        memo=f"vérification {hold.id} rejetée",
    )
    _move_voucher(session, red.voucher_id, VoucherState.CANCELLED)
    red.status = "rejected"
    _close(hold, actor, "rejected", entry_id, reason)
    session.flush()
    audit.record(
        session,
        actor,
        "hold.reject",
        ("hold", hold.id),
        organisation_id=red.structure_id,
        redemption_id=red.id,
        rule=hold.rule,
        programme_id=red.programme_id,
        note=reason,
    )
    _announce(session, "hold.rejected", hold, red)
    return hold
