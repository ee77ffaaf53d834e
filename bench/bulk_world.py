"""A busy year of accepted scans seeded set-based on PostgreSQL, for B4 at medium and full
scale (millions of postings), where seeding through the redemption service would take hours.

The world itself (programme, funders, banked structures, batches, funds, activation) is made
through the services, so it is what the application writes. The scans of each month are then
written by a handful of ``INSERT … SELECT`` statements over a temporary table of the month's
vouchers, row for row what :mod:`voucher.services.redemption.scan_write` writes for an
accepted scan: the voucher ``redeemed``, one ``redemption.accepted`` journal entry (its hash
computed by the database from the same canonical text as
:func:`voucher.domain.ledger.entry_hash`) with its two postings ``outstanding`` ->
``payable``, the redemption row, and both account balances moved by the month's totals.
Every month but the last is closed through :func:`voucher.services.finance.close.close_month`
(statements, journal sealed), as in a running year, so ``voucher audit`` is green on the
result. Left out (the close reads none of them): the scans' audit events and the fraud rules'
day counters.

SQLite (small scales only) keeps the service-made world of
:func:`tests.services.finance.finance_world.busy_months`."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, select, text

from tests import factories as f
from tests.services.finance import finance_world as fw
from voucher.db.engine import unit_of_work
from voucher.db.models import Book
from voucher.domain import calendar, ledger
from voucher.domain.finance import Period
from voucher.services.context import SYSTEM
from voucher.services.finance import close, journal, ledger_audit
from voucher.services.issuance import batches, funds

SEEDER = 900  # the user id the scans are recorded by, as in finance_world.busy_months

_MONTH = """
CREATE TEMPORARY TABLE seed_scan ON COMMIT DROP AS
SELECT picked.*,
       CAST(:start AS TIMESTAMP) + make_interval(secs => (picked.k * :span) / :per_month) AS at,
       md5(random()::text || picked.voucher_id::text) AS ref
FROM (
    SELECT v.id AS voucher_id, v.book_id, v.programme_id, v.face_value_cents AS face,
           b.holder_id, b.beneficiary_id,
           (CAST(:places AS BIGINT[]))[1 + ((:first + row_number() OVER (ORDER BY v.id) - 1)
                                           % cardinality(CAST(:places AS BIGINT[])))]
               AS structure_id,
           row_number() OVER (ORDER BY v.id) - 1 AS k
    FROM voucher v JOIN book b ON b.id = v.book_id
    WHERE b.batch_id = ANY(CAST(:batches AS BIGINT[])) AND v.state = 'active'
    ORDER BY v.id
    LIMIT :n
) AS picked
"""
_ACCOUNTS = """
ALTER TABLE seed_scan ADD COLUMN entry_id BIGINT, ADD COLUMN source_id BIGINT,
    ADD COLUMN source TEXT, ADD COLUMN target_id BIGINT, ADD COLUMN target TEXT;
UPDATE seed_scan SET entry_id = nextval(pg_get_serial_sequence('journal_entry', 'id')),
    source = 'outstanding:' || programme_id || ':' || holder_id,
    target = 'payable:' || structure_id;
UPDATE seed_scan SET source_id = a.id FROM account a WHERE a.code = seed_scan.source;
UPDATE seed_scan SET target_id = a.id FROM account a WHERE a.code = seed_scan.target;
"""
#: the canonical text of ledger.entry_hash: json.dumps([ref, kind, at, sorted(postings)])
#: with separators (",", ":"); "outstanding:…" sorts before "payable:…"; times are whole
#: seconds in UTC, so at.isoformat() is "YYYY-MM-DDTHH:MM:SS+00:00"
_WRITES = """
UPDATE voucher SET state = 'redeemed', updated_at = s.at FROM seed_scan s
WHERE voucher.id = s.voucher_id;
INSERT INTO journal_entry (id, ref, kind, at, posting_count, hash, actor_user_id)
SELECT entry_id, ref, 'redemption.accepted', at, 2,
       encode(sha256(convert_to(
           '["' || ref || '","redemption.accepted","'
           || to_char(at, 'YYYY-MM-DD"T"HH24:MI:SS') || '+00:00",[["' || source || '",'
           || face || '],["' || target || '",' || (-face) || ']]]', 'UTF8')), 'hex'),
       :user_id
FROM seed_scan ORDER BY entry_id;
INSERT INTO posting (entry_id, account_id, amount)
SELECT entry_id, source_id, face FROM seed_scan
UNION ALL SELECT entry_id, target_id, -face FROM seed_scan ORDER BY 1, 2;
INSERT INTO redemption (voucher_id, structure_id, programme_id, book_id, beneficiary_id,
    prescriber_id, user_id, status, face_value_cents, scanned_at, recorded_at, prior_state,
    verdicts, entry_id)
SELECT voucher_id, structure_id, programme_id, book_id, beneficiary_id, holder_id, :user_id,
       'accepted', face, at, at, 'active', '[]', entry_id
FROM seed_scan ORDER BY entry_id;
UPDATE account SET balance = account.balance + moved.delta
FROM (SELECT source_id AS id, sum(face) AS delta FROM seed_scan GROUP BY source_id
      UNION ALL SELECT target_id, -sum(face) FROM seed_scan GROUP BY target_id) AS moved
WHERE account.id = moved.id;
"""


def _world(engine: Engine, scans: int, structures: int) -> tuple[list[int], list[int]]:
    """Programme, banked places, batches of books for ``scans`` vouchers, funded and active;
    returns (place ids, batch ids)."""
    with unit_of_work(engine) as s, calendar.at(datetime(2026, 1, 5, 9, tzinfo=UTC)):
        world = fw.world(s, structures=structures, books=1)
        per_book = world.w.programme.vouchers_per_book
        face = world.w.programme.face_value_cents
        books = scans // per_book + 1
        batch_ids = []
        for first in range(0, books, batches.MAX_BOOKS):
            batch = batches.issue_batch(
                s,
                f.ACTOR,
                programme_id=world.programme_id,
                prescriber_id=world.w.prescriber.id,
                books=min(batches.MAX_BOOKS, books - first),
            )
            batch_ids.append(batch.id)
        for funder in (world.w.funder_a, world.w.funder_b):
            funds.record_funds_received(
                s,
                f.ACTOR,
                programme_id=world.programme_id,
                funder_id=funder.id,
                amount_cents=(books * per_book + 10) * face,
                received_on=date(2026, 1, 5),
            )
        for batch_id in batch_ids:
            batches.activate_batch(s, f.ACTOR, batch_id)
        places = [p.id for p in world.structures]
        holders = set(s.scalars(select(Book.holder_id).where(Book.batch_id.in_(batch_ids))))
        journal.account_ids(
            s,
            [ledger.payable(p) for p in places]
            + [ledger.outstanding(world.programme_id, int(h)) for h in holders],
        )
        ledger_audit.seal(s)
    return places, batch_ids


def busy_months(engine: Engine, scans: int, structures: int, months: int) -> tuple[int, Period]:
    """``scans`` accepted scans spread over ``months`` Paris months from March 2026 across
    ``structures`` banked places, every month but the last closed; returns the scans made and
    the month left to close (as :func:`finance_world.busy_months`)."""
    if engine.dialect.name != "postgresql":
        return fw.busy_months(engine, scans, structures, months)
    scans = max(structures, scans)
    places, batch_ids = _world(engine, scans, structures)
    per_month = -(-scans // months)
    period = Period(2026, 3)
    for m in range(months):
        start, end = period.bounds()
        start = start + timedelta(hours=8)
        n = min(per_month, scans - m * per_month)
        params = {
            "start": start.replace(tzinfo=None),
            "span": int((end - start).total_seconds()) - 3600,  # whole seconds, in the month
            "per_month": max(n, 1),
            "places": places,
            "first": m * per_month,
            "batches": batch_ids,
            "n": n,
            "user_id": SEEDER,
        }
        with engine.begin() as conn:
            conn.execute(text(_MONTH), params)
            for sql in (_ACCOUNTS + _WRITES).split(";"):
                if sql.strip():
                    conn.execute(text(sql), params)
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("ANALYZE voucher, journal_entry, posting, redemption, account"))
        if m < months - 1:
            with (
                unit_of_work(engine) as s,
                calendar.at(period.next().bounds()[0] + timedelta(days=1)),
            ):
                close.close_month(s, SYSTEM, period)
            period = period.next()
    return scans, period
