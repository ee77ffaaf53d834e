"""The journal seal: a block covers every entry not sealed yet, in id order, chained to the
previous block, and its hash is ``ledger.seal_hash`` over the entries' hashes one by one
(PostgreSQL joins them in the database; the hash must be the same)."""

from __future__ import annotations

from sqlalchemy import select

from tests.services.finance import finance_world as fw
from voucher.db.models import JournalEntry
from voucher.domain import ledger
from voucher.services.finance import ledger_audit


def _hashes_after(session, after: int) -> list[tuple[int, str]]:
    rows = session.execute(
        select(JournalEntry.id, JournalEntry.hash)
        .where(JournalEntry.id > after)
        .order_by(JournalEntry.id)
    )
    return [(int(i), str(h)) for i, h in rows]


def test_each_block_hashes_the_entries_after_the_previous_one_in_id_order(session):
    w = fw.world(session)
    fw.scan(session, w, fw.paris(2026, 3, 3))
    first = ledger_audit.seal(session)
    assert first is not None
    rows = _hashes_after(session, 0)
    assert (first.first_entry_id, first.last_entry_id, first.entry_count) == (
        rows[0][0],
        rows[-1][0],
        len(rows),
    )
    assert first.hash == ledger.seal_hash(ledger.GENESIS, [h for _, h in rows])
    assert ledger_audit.seal(session) is None
    for day in (4, 5):
        fw.scan(session, w, fw.paris(2026, 3, day))
    second = ledger_audit.seal(session)
    assert second is not None
    rows = _hashes_after(session, first.last_entry_id)
    assert second.entry_count == len(rows) == 2 and second.prev_hash == first.hash
    assert second.hash == ledger.seal_hash(first.hash, [h for _, h in rows])
    assert ledger_audit.verify(session).ok
