"""Redemption, the core of a scan: every refusal code, a refusal writes nothing, a replay
returns the first result."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests import factories as f
from voucher.db.models import Book, JournalEntry, Redemption, Voucher
from voucher.domain import codes
from voucher.domain.errors import DomainError
from voucher.services.context import Actor
from voucher.services.finance import ledger_audit
from voucher.services.issuance import books
from voucher.services.organisations import organisations
from voucher.services.programmes import zones
from voucher.services.redemption import redeem

RECEPTION = Actor(label="accueil", user_id=77)


def first_code(session, batch_id, position=1, serial_offset=0):
    return session.scalar(
        select(Voucher.code)
        .join(Book, Book.id == Voucher.book_id)
        .where(Book.batch_id == batch_id, Voucher.position == position)
        .order_by(Book.serial)
        .offset(serial_offset)
        .limit(1)
    )


def counts(session):
    return (
        session.scalar(select(func.count()).select_from(JournalEntry)),
        session.scalar(select(func.count()).select_from(Redemption)),
    )


def refused(session, scan, actor=RECEPTION):
    before = counts(session)
    with pytest.raises(DomainError) as exc:
        redeem.redeem(session, actor, scan)
    assert counts(session) == before, "a refusal must write nothing"
    return exc.value


def scan(w, code, **kw):
    return redeem.Scan(code=code, structure_id=kw.pop("structure_id", w.structure.id), **kw)


def test_a_voucher_cannot_be_redeemed_twice_and_the_refusal_gives_the_first_date(session):
    w = f.world(session)
    code = first_code(session, w.batch.id)
    ok = redeem.redeem(session, RECEPTION, scan(w, code, theme="email"))
    assert ok.status == "accepted" and ok.position == 1 and ok.vouchers_per_book == 10
    err = refused(session, scan(w, code))
    assert err.code == "already_redeemed"
    assert err.details["first_redeemed_at"] == ok.scanned_at.isoformat()


def test_mistyped_and_unknown_codes(session):
    w = f.world(session)
    code = first_code(session, w.batch.id)
    typo = code[:5] + str((int(code[5]) + 1) % 10) + code[6:]
    assert refused(session, scan(w, typo)).code == "mistyped_code"
    assert refused(session, scan(w, codes.generate())).code == "unknown_code"


def test_a_voucher_of_an_unfunded_batch_is_not_active(session):
    w = f.world(session, activate=False)
    assert refused(session, scan(w, first_code(session, w.batch.id))).code == "not_active"


def test_expired_and_not_yet_valid(session):
    w = f.world(session, valid_from=date(2025, 1, 1), valid_until=date(2025, 6, 30), grace_days=0)
    code = first_code(session, w.batch.id)
    assert refused(session, scan(w, code)).code == "expired"
    w2 = f.world(session, valid_from=date(2098, 1, 1), valid_until=date(2099, 1, 1))
    assert refused(session, scan(w2, first_code(session, w2.batch.id))).code == "not_yet_valid"


def test_cancelled_voucher_of_a_lost_book(session):
    w = f.world(session)
    books.report_book(session, f.ACTOR, w.batch.first_serial, reason="stolen")
    assert refused(session, scan(w, first_code(session, w.batch.id))).code == "cancelled"


def test_structure_without_a_valid_label_or_outside_the_programme(session):
    w = f.world(session)
    code = first_code(session, w.batch.id)
    lapsed = f.structure(session, "Lieu au label échu", label=None)
    organisations.add_label(
        session, f.ACTOR, lapsed.id, "Pass numérique", date(2020, 1, 1), date(2021, 1, 1)
    )
    assert refused(session, scan(w, code, structure_id=lapsed.id)).code == "structure_not_labelled"
    w2 = f.world(session, label_names=["Label du département"])
    assert refused(session, scan(w2, first_code(session, w2.batch.id))).code == "not_accepted_here"
    assert refused(session, scan(w, code, structure_id=w.prescriber.id)).code == "not_a_structure"


def test_a_structure_outside_the_pilot_zones_is_refused(session):
    zone = zones.create_zone(
        session,
        f.ACTOR,
        name="Zone test rurale",
        kind="rural",
        communes=[("86165", "Montmorillon", 3)],
    )
    w = f.world(session, zone_ids=[zone.id])
    code = first_code(session, w.batch.id)
    assert refused(session, scan(w, code)).code == "not_accepted_here"  # structure is in 86194
    inside = f.structure(session, "Café de Montmorillon", commune="86165")
    assert (
        redeem.redeem(session, RECEPTION, scan(w, code, structure_id=inside.id)).status
        == "accepted"
    )


def test_a_held_voucher_refuses_a_second_scan(session):
    w = f.world(session, handout_policy="hold")
    code = first_code(session, w.batch.id)
    res = redeem.redeem(session, RECEPTION, scan(w, code))
    assert res.status == "held" and res.verdicts[0]["rule"] == "never_handed_out"
    assert refused(session, scan(w, code)).code == "held"
    assert ledger_audit.verify(session).ok


def test_never_handed_out_policy_refuse(session):
    w = f.world(session, handout_policy="refuse")
    assert refused(session, scan(w, first_code(session, w.batch.id))).code == "never_handed_out"


def test_bad_theme_autonomy_or_scan_time_are_refused(session):
    w = f.world(session)
    code = first_code(session, w.batch.id)
    assert refused(session, scan(w, code, theme="poker")).code == "invalid_value"
    assert refused(session, scan(w, code, autonomy="expert")).code == "invalid_value"
    future = datetime.now(UTC) + timedelta(hours=1)
    assert refused(session, scan(w, code, scanned_at=future)).code == "invalid_scan_time"


def test_a_replayed_scan_id_returns_the_first_result_and_changes_nothing(session):
    w = f.world(session)
    code = first_code(session, w.batch.id)
    first = redeem.redeem(session, RECEPTION, scan(w, code, scan_id="s-1"))
    before = counts(session)
    again = redeem.redeem(session, RECEPTION, scan(w, code, scan_id="s-1"))
    assert again.replayed and again.redemption_id == first.redemption_id
    assert counts(session) == before
    other = first_code(session, w.batch.id, position=2)
    assert refused(session, scan(w, other, scan_id="s-1")).code == "scan_id_reused"


def test_deferred_balances_move_once_and_skip_scans_rolled_back(session):
    """An offline batch defers the balance updates to its end: scans rolled back in their
    savepoint move nothing, the others move exactly their value, and the audit agrees."""
    from voucher.domain import ledger
    from voucher.services.finance import journal

    w = f.world(session)
    payable = ledger.payable(w.structure.id)
    before = journal.balance(session, payable)
    kept = [first_code(session, w.batch.id, position=p) for p in (1, 2, 3)]
    dropped = first_code(session, w.batch.id, position=4)
    with journal.deferred_balances(session):
        for code in kept[:2]:
            with session.begin_nested():
                redeem.redeem(session, RECEPTION, scan(w, code))
        nested = session.begin_nested()
        redeem.redeem(session, RECEPTION, scan(w, dropped))
        nested.rollback()
        with session.begin_nested():
            redeem.redeem(session, RECEPTION, scan(w, kept[2]))
        assert journal.balance(session, payable) == before  # nothing moved yet
    assert journal.balance(session, payable) == before - 3 * 1000
    assert session.scalar(select(Voucher.state).where(Voucher.code == dropped)) == "active"
    report = ledger_audit.verify(session)
    assert report.ok, report.problems
