"""Holds are decided by someone else than the scanner, within scope, once; release pays,
reject cancels; both are journal entries and audit events and keep the ledger true."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests import factories as f
from tests.services.redemption import fraud_world as fw
from voucher.db.models import AuditEvent, Hold, JournalEntry, Redemption, Voucher
from voucher.domain import ledger
from voucher.domain.errors import DomainError
from voucher.services.context import Actor
from voucher.services.finance import journal, ledger_audit
from voucher.services.redemption import cancel, holds


def held(session, **world):
    """A world whose programme holds vouchers never handed out, and one such scan."""
    w = fw.world(session, handout_policy="hold", **world)
    res = fw.scan(session, w, fw.codes(session, fw.serial(w))[0])
    assert res.status == "held"
    hold = session.scalars(select(Hold).where(Hold.redemption_id == res.redemption_id)).one()
    return w, res, hold


def state_of(session, res):
    red = session.get(Redemption, res.redemption_id)
    return session.get(Voucher, res.voucher_id).state, red.status


def test_a_funder_reviewer_releases_a_hold_and_the_structure_becomes_payable(session):
    w, res, hold = held(session)
    assert journal.balance(session, ledger.suspense(w.programme.id)) == -1_000
    reviewer = fw.person(session, w.funder_b.id, "funder")
    holds.release(session, reviewer, hold.id)
    assert state_of(session, res) == ("redeemed", "accepted")
    assert journal.balance(session, ledger.suspense(w.programme.id)) == 0
    assert journal.balance(session, ledger.payable(w.structure.id)) == -1_000
    assert (hold.status, hold.decided_by) == ("released", reviewer.user_id)
    assert session.get(JournalEntry, hold.decision_entry_id).kind == "hold.release"
    assert (
        session.scalar(
            select(AuditEvent.actor_user_id).where(
                AuditEvent.action == "hold.release", AuditEvent.object_id == hold.id
            )
        )
        == reviewer.user_id
    )
    assert ledger_audit.verify(session).ok


def test_a_finance_reviewer_rejects_a_hold_the_voucher_is_cancelled_and_nothing_is_owed(session):
    w, res, hold = held(session)
    reviewer = fw.person(session, fw.operator(session), "finance")
    holds.reject(session, reviewer, hold.id, "Carnet jamais remis : scan à vérifier avec le lieu.")
    assert state_of(session, res) == ("cancelled", "rejected")
    assert journal.balance(session, ledger.suspense(w.programme.id)) == 0
    assert journal.balance(session, ledger.breakage(w.programme.id)) == -1_000
    assert journal.balance(session, ledger.payable(w.structure.id)) == 0
    assert hold.status == "rejected" and hold.note.startswith("Carnet jamais remis")
    assert session.get(JournalEntry, hold.decision_entry_id).kind == "hold.reject"
    assert ledger_audit.verify(session).ok
    err = fw.refused_scan(session, w, fw.codes(session, fw.serial(w))[0])
    assert err == "cancelled", "a rejected voucher cannot be scanned again"


def test_the_person_who_scanned_cannot_review_their_own_scan(session):
    w = fw.world(session, handout_policy="hold")
    desk_and_finance = fw.person(
        session, w.structure.id, "reception", (fw.operator(session), "finance")
    )
    res = fw.scan(session, w, fw.codes(session, fw.serial(w))[0], actor=desk_and_finance)
    hold_id = session.scalar(select(Hold.id).where(Hold.redemption_id == res.redemption_id))
    for decide in (
        lambda: holds.release(session, desk_and_finance, hold_id),
        lambda: holds.reject(session, desk_and_finance, hold_id, "motif"),
    ):
        with pytest.raises(DomainError) as exc:
            decide()
        assert exc.value.code == "same_person_review"
    assert state_of(session, res) == ("held", "held")


@pytest.mark.parametrize("who", ["other_funder", "reception", "api_key", "prescriber_funder_role"])
def test_people_outside_the_programme_do_not_even_see_the_hold(session, who):
    w, res, hold = held(session)
    actor = {
        "other_funder": lambda: fw.person(
            session, f.funder(session, "Autre fondation").id, "funder"
        ),
        "reception": lambda: fw.person(session, w.structure.id, "reception"),
        "api_key": lambda: Actor(
            label="clé", api_key_id=3, organisation_id=w.funder_a.id, role="funder"
        ),
        "prescriber_funder_role": lambda: fw.person(session, w.prescriber.id, "funder"),
    }[who]()
    with pytest.raises(DomainError) as exc:
        holds.release(session, actor, hold.id)
    assert exc.value.code in ("not_found", "forbidden")
    assert state_of(session, res) == ("held", "held")


def test_a_hold_is_decided_once(session):
    w, res, hold = held(session)
    reviewer = fw.person(session, w.funder_a.id, "funder")
    holds.release(session, reviewer, hold.id)
    with pytest.raises(DomainError) as exc:
        holds.reject(session, reviewer, hold.id, "trop tard")
    assert exc.value.code == "hold_already_decided"
    assert state_of(session, res) == ("redeemed", "accepted")


def test_a_hold_cancelled_at_the_desk_can_no_longer_be_released(session):
    w, res, hold = held(session)
    cancel.cancel(session, fw.RECEPTION, res.redemption_id, structure_id=w.structure.id)
    with pytest.raises(DomainError) as exc:
        holds.release(session, fw.person(session, w.funder_a.id, "funder"), hold.id)
    assert exc.value.code == "hold_already_decided"
    assert ledger_audit.verify(session).ok


def test_a_rejection_needs_a_reason(session):
    w, res, hold = held(session)
    with pytest.raises(DomainError) as exc:
        holds.reject(session, fw.person(session, w.funder_a.id, "funder"), hold.id, "   ")
    assert exc.value.code == "note_required"
    assert state_of(session, res) == ("held", "held")
