"""Cancelling a scan: own scans only, within the window, back to the voucher's current life."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from sqlalchemy import select

from tests import factories as f
from tests.services.redemption.test_redeem import RECEPTION, first_code, scan
from voucher.db.models import Voucher
from voucher.domain.errors import DomainError
from voucher.services.context import Actor
from voucher.services.finance import ledger_audit
from voucher.services.issuance import books, handout
from voucher.services.redemption import cancel, redeem


def test_reception_can_cancel_its_own_scan_within_the_window_only(session):
    w = f.world(session)
    handout.hand_out(
        session,
        f.ACTOR,
        serial=w.batch.first_serial,
        prescriber_id=w.prescriber.id,
        profile=f.profile(),
        key=f.KEY,
    )
    code = first_code(session, w.batch.id)
    res = redeem.redeem(session, RECEPTION, scan(w, code))
    with pytest.raises(DomainError) as exc:
        cancel.cancel(
            session,
            Actor(label="autre", user_id=78),
            res.redemption_id,
            structure_id=w.structure.id,
        )
    assert exc.value.code == "not_your_scan"
    with time_machine.travel(datetime.now(UTC) + timedelta(minutes=16)):
        with pytest.raises(DomainError) as exc:
            cancel.cancel(session, RECEPTION, res.redemption_id, structure_id=w.structure.id)
        assert exc.value.code == "cancel_window_passed"
    cancel.cancel(session, RECEPTION, res.redemption_id, structure_id=w.structure.id)
    assert session.scalar(select(Voucher.state).where(Voucher.code == code)) == "distributed"
    with pytest.raises(DomainError) as exc:
        cancel.cancel(session, RECEPTION, res.redemption_id, structure_id=w.structure.id)
    assert exc.value.code == "already_cancelled"
    again = redeem.redeem(session, RECEPTION, scan(w, code))  # may be scanned again
    assert again.status == "accepted"
    assert ledger_audit.verify(session).ok


def test_a_cancelled_scan_follows_what_happened_to_its_book_since(session):
    """Scanned while the book sat with the prescriber, then the book was handed out: the
    cancelled scan's voucher is the beneficiary's again. A book reported lost since: the
    voucher ends cancelled like its siblings, value to breakage, and the audit agrees."""
    w = f.world(session)
    code = first_code(session, w.batch.id)
    res = redeem.redeem(session, RECEPTION, scan(w, code))
    handout.hand_out(
        session,
        f.ACTOR,
        serial=w.batch.first_serial,
        prescriber_id=w.prescriber.id,
        profile=f.profile(),
        key=f.KEY,
    )
    cancel.cancel(session, RECEPTION, res.redemption_id, structure_id=w.structure.id)
    assert session.scalar(select(Voucher.state).where(Voucher.code == code)) == "distributed"

    lost = first_code(session, w.batch.id, serial_offset=1)
    res = redeem.redeem(session, RECEPTION, scan(w, lost))
    books.report_book(session, f.ACTOR, w.batch.first_serial + 1, reason="lost")
    cancel.cancel(session, RECEPTION, res.redemption_id, structure_id=w.structure.id)
    assert session.scalar(select(Voucher.state).where(Voucher.code == lost)) == "cancelled"
    report = ledger_audit.verify(session)
    assert report.ok, report.problems


def test_another_structure_cannot_cancel_a_scan(session):
    w = f.world(session)
    res = redeem.redeem(session, RECEPTION, scan(w, first_code(session, w.batch.id)))
    with pytest.raises(DomainError) as exc:
        cancel.cancel(session, RECEPTION, res.redemption_id, structure_id=w.structure.id + 999)
    assert exc.value.code == "not_found"
