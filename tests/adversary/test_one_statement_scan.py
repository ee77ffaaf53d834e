"""The redemption's write in one statement (PostgreSQL) or one tight sequence (SQLite): the
auditor's and the unlucky desk's tests of what it promises.

* a plain accepted scan is two statements on PostgreSQL (the locking facts with the
  rules' facts, the writes) and its rows are exactly those the journal, the audit and the rules
  write: the entry balanced with its hash, the two postings on the accounts the ledger
  names, both balances moved, the audit event, the day counter;
* a voucher that is no longer scannable when the write runs (as if the row lock were
  missing) gets nothing written at all: no entry, no posting, no redemption, no event, no
  counter, no balance moved;
* an account that does not exist yet (the first scan at a new place) is created through
  the journal, and the ledger still balances.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from sqlalchemy import event, func, select, update

from tests import factories as f
from voucher.db.models import (
    Account,
    AuditEvent,
    Book,
    JournalEntry,
    Posting,
    Redemption,
    StructureDayVolume,
    Voucher,
)
from voucher.domain import ledger
from voucher.domain.calendar import paris_date, utcnow
from voucher.services.context import Actor
from voucher.services.finance import journal, ledger_audit
from voucher.services.issuance import handout
from voucher.services.redemption import redeem, scan_facts, scan_write

DESK = Actor(label="accueil", user_id=77)


def handed_out_code(session: Any, w: Any) -> str:
    serial = session.scalar(
        select(func.min(Book.serial)).where(Book.batch_id == w.batch.id, Book.status == "in_stock")
    )
    handout.hand_out(
        session,
        f.ACTOR,
        serial=serial,
        prescriber_id=w.prescriber.id,
        profile=f.profile(f"adv-{serial}"),
        key=f.KEY,
    )
    return str(
        session.scalar(
            select(Voucher.code).join(Book).where(Book.serial == serial, Voucher.position == 1)
        )
    )


def second_of_book(session: Any, first: str, w: Any) -> str:
    """Scan ``first`` (its accounts now exist) and answer the next voucher of its book."""
    redeem.redeem(session, DESK, redeem.Scan(code=first, structure_id=w.structure.id))
    book = select(Voucher.book_id).where(Voucher.code == first).scalar_subquery()
    return str(
        session.scalar(select(Voucher.code).where(Voucher.book_id == book, Voucher.position == 2))
    )


def rows(session: Any) -> tuple[int, ...]:
    return tuple(
        int(session.scalar(select(func.count()).select_from(model)) or 0)
        for model in (JournalEntry, Posting, Redemption, AuditEvent, StructureDayVolume)
    )


def balances(session: Any) -> dict[str, int]:
    """Every account's balance: its row plus its parts (PostgreSQL's scans move parts)."""
    return journal.balances(session)


def test_a_plain_scan_is_two_statements_and_writes_what_the_journal_would(session):
    w = f.world(session)
    code = second_of_book(session, handed_out_code(session, w), w)
    seen: Counter[str] = Counter()
    engine = session.get_bind()

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen[statement.split()[0].upper()] += 1

    before = balances(session)
    event.listen(engine, "before_cursor_execute", count)
    try:
        result = redeem.redeem(
            session, DESK, redeem.Scan(code=code, structure_id=w.structure.id, scan_id="s-2")
        )
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert result.status == "accepted" and result.verdicts == []
    if session.get_bind().dialect.name == "postgresql":
        assert sum(seen.values()) == 2, seen  # facts + lock + the rules' facts, the writes
    after = balances(session)
    outstanding = ledger.outstanding(w.programme.id, w.prescriber.id)
    payable = ledger.payable(w.structure.id)
    face = w.programme.face_value_cents
    assert after[outstanding] - before[outstanding] == face
    assert after[payable] - before[payable] == -face
    assert {k for k in after if after[k] != before.get(k)} == {outstanding, payable}
    red = session.get(Redemption, result.redemption_id)
    entry = session.get(JournalEntry, red.entry_id)
    lines = sorted(
        (str(c), int(a))
        for c, a in session.execute(
            select(Account.code, Posting.amount)
            .join(Account, Account.id == Posting.account_id)
            .where(Posting.entry_id == entry.id)
        )
    )
    assert lines == sorted([(outstanding, face), (payable, -face)])
    assert entry.hash == ledger.entry_hash(entry.ref, entry.kind, entry.at.isoformat(), lines)
    ev = session.scalar(
        select(AuditEvent).where(
            AuditEvent.object_type == "redemption", AuditEvent.object_id == red.id
        )
    )
    assert ev.action == "redemption.accepted" and ev.details["voucher_id"] == red.voucher_id
    assert ev.organisation_id == w.structure.id and ev.actor_user_id == DESK.user_id
    day = session.get(StructureDayVolume, (w.structure.id, red.scanned_at.date()))
    assert day is not None and day.scans == 2
    assert ledger_audit.verify(session).ok


def test_a_voucher_taken_behind_the_lock_gets_nothing_written(session):
    w = f.world(session)
    code = second_of_book(session, handed_out_code(session, w), w)  # the accounts exist
    vid = session.scalar(select(Voucher.id).where(Voucher.code == code))
    row = (
        session.connection()
        .execute(
            scan_facts.locking(session.connection()),
            {"code": code, "sid": w.structure.id, "today": paris_date(utcnow()), "scan_id": None},
        )
        .first()
    )
    assert row.outstanding_account is not None and row.payable_account is not None
    # another writer takes the voucher between the facts and the write (no lock held)
    session.execute(update(Voucher).where(Voucher.id == vid).values(state="redeemed"))
    before_rows, before_balances = rows(session), balances(session)
    lines = ledger.balanced(
        ledger.move(
            row.face_value_cents,
            ledger.outstanding(w.programme.id, w.prescriber.id),
            ledger.payable(w.structure.id),
        )
    )
    params = dict(
        journal.entry_fields("redemption.accepted", lines, utcnow(), DESK),
        vid=vid, new_state="redeemed", now=utcnow(), user_id=77,
        a1=row.outstanding_account, m1=lines[0].amount,
        a2=row.payable_account, m2=lines[1].amount,
        sid=w.structure.id, programme_id=w.programme.id, book_id=row.book_id,
        beneficiary_id=row.beneficiary_id, prescriber_id=row.holder_id, api_key_id=None,
        scan_id=None, device=None, status="accepted", face_value_cents=row.face_value_cents,
        scanned_at=utcnow(), theme=None, autonomy=None, prior_state="distributed",
        verdicts=[], action="redemption.accepted", actor_label="x", ip=None,
        details={}, day=paris_date(utcnow()),
    )  # fmt: skip
    assert scan_write.write(session.connection(), params, count_day=True, balances=True) is None
    assert rows(session) == before_rows, "nothing of the scan may be written"
    assert balances(session) == before_balances


def test_the_first_scan_at_a_new_place_creates_its_account_and_balances(session):
    w = f.world(session)
    code = handed_out_code(session, w)
    payable = ledger.payable(w.structure.id)
    assert session.scalar(select(Account.id).where(Account.code == payable)) is None
    redeem.redeem(session, DESK, redeem.Scan(code=code, structure_id=w.structure.id))
    assert balances(session)[payable] == -w.programme.face_value_cents
    assert ledger_audit.verify(session).ok
