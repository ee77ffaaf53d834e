"""A worked example through the whole voucher life, with the journal checked at each step."""

from __future__ import annotations

from datetime import date

import pytest
import time_machine
from sqlalchemy import func, select

from tests import factories as f
from voucher.db.models import AuditEvent, Voucher
from voucher.domain import ledger
from voucher.domain.errors import DomainError
from voucher.services.finance import journal, ledger_audit
from voucher.services.issuance import batches, books, expiry, funds, handout
from voucher.services.redemption import redeem


def codes_of(session, batch_id, state=None):
    from voucher.db.models import Book

    q = select(Voucher.code).join(Book, Book.id == Voucher.book_id).where(Book.batch_id == batch_id)
    if state:
        q = q.where(Voucher.state == state)
    return list(session.scalars(q.order_by(Voucher.id)))


def test_funds_issue_activate_redeem_and_expire_balance_at_every_step(session):
    w = f.world(session, books=2, activate=False)
    pid, presc = w.programme.id, w.prescriber.id
    # issuing 2 books of 10 x 10 EUR books 200 EUR in memorandum accounts, one entry
    assert journal.balance(session, ledger.issued(pid, presc)) == 20_000
    assert journal.balance(session, ledger.commitment(pid)) == -20_000
    with pytest.raises(DomainError) as exc:
        batches.activate_batch(session, f.ACTOR, w.batch.id)
    assert exc.value.code == "insufficient_funds"
    for funder in (w.funder_a, w.funder_b):
        funds.record_funds_received(
            session,
            f.ACTOR,
            programme_id=pid,
            funder_id=funder.id,
            amount_cents=10_000,
            received_on=date(2026, 2, 1),
        )
    assert journal.balance(session, "bank") == 20_000
    batches.activate_batch(session, f.ACTOR, w.batch.id)
    assert journal.balance(session, ledger.issued(pid, presc)) == 0
    assert journal.balance(session, ledger.outstanding(pid, presc)) == -20_000
    assert journal.balance(session, ledger.funder_funds(w.funder_a.id, pid)) == 0
    first_serial = w.batch.first_serial
    handout.hand_out(
        session, f.ACTOR, serial=first_serial, prescriber_id=presc, profile=f.profile(), key=f.KEY
    )
    code = codes_of(session, w.batch.id, "distributed")[0]
    result = redeem.redeem(
        session, f.ACTOR, redeem.Scan(code=code, structure_id=w.structure.id, theme="email")
    )
    assert result.status == "accepted"
    assert journal.balance(session, ledger.payable(w.structure.id)) == -1_000
    assert journal.balance(session, ledger.outstanding(pid, presc)) == -19_000
    books.report_book(session, f.ACTOR, first_serial + 1, reason="lost")
    assert journal.balance(session, ledger.breakage(pid)) == -10_000
    report = ledger_audit.verify(session)
    assert report.ok, report.problems
    assert (
        session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(AuditEvent.action == "redemption.accepted")
        )
        == 1
    )


def test_expiry_books_breakage_for_every_unused_voucher(session):
    w = f.world(
        session, books=1, valid_until=date(2025, 12, 31), grace_days=31, valid_from=date(2025, 1, 1)
    )
    with time_machine.travel("2026-01-31 22:00:00Z"):  # still 31 January in Paris
        with pytest.raises(DomainError) as exc:
            expiry.expire_programme(session, f.ACTOR, w.programme.id)
        assert exc.value.code == "programme_not_over"
    with time_machine.travel("2026-01-31 23:30:00Z"):  # 1 February 00:30 in Paris
        rep = expiry.expire_programme(session, f.ACTOR, w.programme.id)
    assert rep.vouchers == 10 and rep.breakage_cents == 10_000
    assert ledger_audit.verify(session).ok
