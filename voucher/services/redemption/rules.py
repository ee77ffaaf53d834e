"""The scan rules of the fraud catalogue (see :mod:`voucher.domain.fraud`), and what is
written with their verdicts. Which of them run, and in which order, is stated in
:mod:`voucher.services.redemption.screening`; nothing here registers itself.

Rules kept:

* scan rules only read, with indexed look-ups bounded by a book (at most 50 rows), a
  beneficiary's day, or a structure's last weeks of daily counters (primary key range):
  no scan of the redemption history; all their facts come from one round trip per scan,
  none of their own: the same facts are columns of the scan's locking facts query (arrays
  on PostgreSQL, :func:`fold`; JSON arrays on SQLite,
  :mod:`~voucher.services.redemption.rules_sqlite`; :func:`remember_folded`), so the
  rules below read them from the memo whichever query brought them;
* a voucher never handed out is flagged, held or refused as its programme says
  (``handout_policy``);
* their verdicts are stored with the redemption (``redemption.verdicts``) by the core and,
  by :func:`record_scan`, as one ``fraud_flag`` row per verdict; the structure's daily
  counter is bumped in the same transaction by the scan's own write statement
  (:mod:`voucher.services.redemption.scan_write`; scans accepted or held, Europe/Paris day
  of the scan).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    Date,
    Table,
    bindparam,
    func,
    literal_column,
    null,
    select,
    true,
    union_all,
)
from sqlalchemy import cast as cast_
from sqlalchemy.orm import Session

from voucher.db import prepared
from voucher.db.models import Book, Redemption, StructureDayVolume, Voucher
from voucher.db.types import UTCDateTime
from voucher.domain import fraud
from voucher.domain.calendar import end_of_paris_day_utc, paris_date
from voucher.domain.states import VoucherState
from voucher.domain.verdicts import ScanContext, Verdict
from voucher.services.redemption import rules_sqlite
from voucher.services.redemption.alerts import raise_flag

_R = cast(Table, Redemption.__table__).c
_V = cast(Table, Voucher.__table__).c
_B = cast(Table, Book.__table__).c
VOLUME = cast(Table, StructureDayVolume.__table__)
#: fixed SQL, no expanding parameter to render on every execution of the hot path
_IS_LIVE = _R.status.in_([literal_column("'accepted'"), literal_column("'held'")])


def _facts_statement() -> Any:
    """One round trip for every scan rule: the book's live scans (≤ 50 rows), the
    beneficiary's scans of the day (their ids), and the structure's daily counters of the
    trailing window (primary-key range). Kinds: b = book, p = person, v = volume."""
    no_day, no_at = cast_(null(), Date()), cast_(null(), UTCDateTime())
    book = select(
        literal_column("'b'").label("kind"),
        _R.id.label("id"),
        _R.scanned_at.label("at"),
        _R.structure_id.label("num"),
        no_day.label("day"),
    ).where(_R.book_id == bindparam("book"), _IS_LIVE)
    # the person's scans are counted by id: their times are not read (nor converted)
    person = select(literal_column("'p'"), _R.id, no_at, _R.structure_id, no_day).where(
        _R.beneficiary_id == bindparam("ben"),
        _IS_LIVE,
        _R.scanned_at >= bindparam("start", type_=UTCDateTime()),
        _R.scanned_at < bindparam("end", type_=UTCDateTime()),
    )
    volume = select(
        literal_column("'v'"), VOLUME.c.structure_id, no_at, VOLUME.c.scans, VOLUME.c.day
    ).where(
        VOLUME.c.structure_id == bindparam("sid"),
        VOLUME.c.day >= bindparam("since", type_=Date()),
        VOLUME.c.day <= bindparam("today", type_=Date()),
    )
    return union_all(book, person, volume)


_FACTS = _facts_statement()
_BOOK_SIZE = (
    select(func.count())
    .select_from(cast(Table, Voucher.__table__))
    .where(_V.book_id == bindparam("book"))
)


def day_bounds(at: datetime) -> tuple[datetime, datetime]:
    """[start, end) in UTC of the Europe/Paris day of ``at``."""
    return _bounds_of_day(paris_date(at))


@lru_cache(maxsize=64)  # two time-zone conversions a scan's rules would repeat
def _bounds_of_day(day: date) -> tuple[datetime, datetime]:
    return end_of_paris_day_utc(day - timedelta(days=1)), end_of_paris_day_utc(day)


def _verdict(name: str, p: dict[str, Any], evidence: dict[str, Any]) -> Verdict:
    rule = fraud.RULES[name]
    return Verdict(name, p.get("outcome", rule.outcome), rule.explanation, evidence)


def fold(stmt: Any) -> Any:
    """``stmt`` (the scan's locking facts query, PostgreSQL) with the same facts as
    :func:`_facts_statement` as array columns: one round trip less per scan. Each kind of
    fact is one ``LATERAL`` subquery correlated to the voucher and book rows (the book's
    three arrays from one scan of its live redemptions, so they list the same rows in the
    same order; no rule depends on that order): the server starts and runs three small
    plans per scan, not six aggregates with their sorts, which cost more to set up than
    to run. The volume window is the default trailing window (:data:`_SINCE_DAYS`); a
    programme that looks further back reads its facts with the query above."""
    book = select(
        func.array_agg(_R.id).label("rules_book_ids"),
        func.array_agg(_R.scanned_at).label("rules_book_at"),
        func.array_agg(_R.structure_id).label("rules_book_places"),
    ).where(_R.book_id == _V.book_id, _IS_LIVE)
    person = select(func.array_agg(_R.id).label("rules_person_ids")).where(
        _R.beneficiary_id == _B.beneficiary_id,
        _IS_LIVE,
        _R.scanned_at >= bindparam("start", type_=UTCDateTime()),
        _R.scanned_at < bindparam("end", type_=UTCDateTime()),
    )
    volume = select(
        func.array_agg(VOLUME.c.day).label("rules_days"),
        func.array_agg(VOLUME.c.scans).label("rules_scans"),
    ).where(
        VOLUME.c.structure_id == bindparam("sid"),
        VOLUME.c.day >= bindparam("since", type_=Date()),
        VOLUME.c.day <= bindparam("today", type_=Date()),
    )
    for name, facts in (("rules_book", book), ("rules_person", person), ("rules_volume", volume)):
        lateral = facts.lateral(name)
        stmt = stmt.add_columns(*lateral.c).join(lateral, true())
    return stmt


#: the volume window the folded facts read (the rule's default trailing days)
_SINCE_DAYS = int(fraud.effective({}, "structure_volume")["trailing_days"])


def folded_params(at: datetime) -> dict[str, Any]:
    """The parameters of :func:`fold` for a scan at ``at`` (``sid`` and ``today`` are
    the facts query's own)."""
    start, end = day_bounds(at)
    return {
        "start": start,
        "end": end,
        "since": paris_date(at) - timedelta(days=_SINCE_DAYS),
    }


class BookScan(NamedTuple):
    id: int
    at: datetime
    num: int  # the structure id


@dataclass(frozen=True)
class Facts:
    book: list[Any]  # rows (id, at, num = structure id) of the book's live scans
    person_today: list[int]  # ids of the beneficiary's live scans that day
    volumes: dict[date, int]  # the structure's scans per day, trailing window and today


def _facts(session: Session, ctx: ScanContext) -> Facts:
    """Read once per scan (memo on the session, keyed by the context object itself)."""
    memo = session.info.get("fraud_facts")
    if memo is not None and memo[0] is ctx:
        return cast(Facts, memo[1])
    start, end = day_bounds(ctx.scanned_at)
    today = paris_date(ctx.scanned_at)
    trailing = fraud.effective(ctx.thresholds, "structure_volume")["trailing_days"]
    rows = prepared.all(
        session.connection(),
        _FACTS,
        {
            "book": ctx.book_id,
            "ben": ctx.beneficiary_id if ctx.beneficiary_id is not None else -1,
            "start": start,
            "end": end,
            "sid": ctx.structure_id,
            "since": today - timedelta(days=trailing),
            "today": today,
        },
    )
    facts = Facts(
        book=[r for r in rows if r.kind == "b"],
        person_today=sorted(int(r.id) for r in rows if r.kind == "p"),
        volumes={r.day: int(r.num) for r in rows if r.kind == "v"},
    )
    session.info["fraud_facts"] = (ctx, facts)
    return facts


def remember_folded(session: Session, ctx: ScanContext, row: Any) -> None:
    """Keep the facts the locking query brought (:func:`fold`) for this scan's rules,
    unless the programme's volume window is longer than the one read."""
    trailing = fraud.effective(ctx.thresholds, "structure_volume")["trailing_days"]
    if trailing > _SINCE_DAYS:
        return
    since = paris_date(ctx.scanned_at) - timedelta(days=trailing)
    if rules_sqlite.carries(row):  # SQLite's JSON arrays
        book, person, volumes = rules_sqlite.facts(row, since)
        session.info["fraud_facts"] = (ctx, Facts([BookScan(*b) for b in book], person, volumes))
        return
    at = row.rules_book_at or []
    facts = Facts(
        book=[
            BookScan(int(i), t.replace(tzinfo=UTC), int(n))
            for i, t, n in zip(
                row.rules_book_ids or [], at, row.rules_book_places or [], strict=True
            )
        ],
        person_today=sorted(int(i) for i in row.rules_person_ids or []),
        volumes={
            d: int(n)
            for d, n in zip(row.rules_days or [], row.rules_scans or [], strict=True)
            if d >= since
        },
    )
    session.info["fraud_facts"] = (ctx, facts)


def never_handed_out(_session: Session, ctx: ScanContext) -> Verdict | None:
    """A voucher scanned while its book still sits with the prescriber."""
    if ctx.state != VoucherState.ACTIVE:
        return None
    return Verdict(
        "never_handed_out",
        ctx.handout_policy,
        "Ce chèque n'a jamais été remis à un bénéficiaire par un prescripteur.",
        {"book_id": ctx.book_id},
    )


def book_per_day(session: Session, ctx: ScanContext) -> Verdict | None:
    p = fraud.effective(ctx.thresholds, "book_per_day")
    if not p["active"]:
        return None
    start, end = day_bounds(ctx.scanned_at)
    today = sorted(int(r.id) for r in _facts(session, ctx).book if start <= r.at < end)
    if not fraud.over_daily_limit(len(today), p["max"]):
        return None
    return _verdict(
        "book_per_day",
        p,
        {
            "book_id": ctx.book_id,
            "count_today": len(today) + 1,
            "max": p["max"],
            "redemption_ids": today,
        },
    )


def beneficiary_per_day(session: Session, ctx: ScanContext) -> Verdict | None:
    if ctx.beneficiary_id is None:
        return None
    p = fraud.effective(ctx.thresholds, "beneficiary_per_day")
    if not p["active"]:
        return None
    today = _facts(session, ctx).person_today
    if not fraud.over_daily_limit(len(today), p["max"]):
        return None
    return _verdict(
        "beneficiary_per_day",
        p,
        {
            "beneficiary_id": ctx.beneficiary_id,
            "count_today": len(today) + 1,
            "max": p["max"],
            "redemption_ids": today,
        },
    )


def structure_volume(session: Session, ctx: ScanContext) -> Verdict | None:
    p = fraud.effective(ctx.thresholds, "structure_volume")
    if not p["active"]:
        return None
    today = paris_date(ctx.scanned_at)
    counts = _facts(session, ctx).volumes
    history = [n for d, n in counts.items() if d != today]
    limit = fraud.volume_limit(history, p)
    already = counts.get(today, 0)
    if limit is None or not fraud.over_daily_limit(already, limit):
        return None
    return _verdict(
        "structure_volume",
        p,
        {
            "structure_id": ctx.structure_id,
            "day": today.isoformat(),
            "count_today": already + 1,
            "limit": limit,
            "active_days": sum(1 for n in history if n > 0),
        },
    )


def whole_book(session: Session, ctx: ScanContext) -> Verdict | None:
    p = fraud.effective(ctx.thresholds, "whole_book")
    if not p["active"]:
        return None
    rows = _facts(session, ctx).book
    if len(rows) + 1 < p["min_book_size"] or any(r.num != ctx.structure_id for r in rows):
        return None
    times = [r.at for r in rows]
    if ctx.scanned_at - min(times) > timedelta(minutes=p["window_minutes"]):
        return None
    size = int(session.connection().execute(_BOOK_SIZE, {"book": ctx.book_id}).scalar_one())
    if not fraud.whole_book(
        times, [r.num for r in rows], ctx.structure_id, size, ctx.scanned_at, p
    ):
        return None
    return _verdict(
        "whole_book",
        p,
        {
            "book_id": ctx.book_id,
            "book_size": size,
            "first_at": min(times).isoformat(),
            "redemption_ids": sorted(int(r.id) for r in rows),
        },
    )


def record_scan(
    session: Session, ctx: ScanContext, redemption_id: int, status: str, verdicts: list[Verdict]
) -> None:
    """One ``fraud_flag`` per verdict. Its presence in a screening's recorders also keeps
    the structure's daily counter, which the scan's write statement bumps itself
    (:mod:`voucher.services.redemption.scan_write`, one round trip less per scan)."""
    for v in verdicts:
        raise_flag(
            session,
            v.rule,
            v.outcome,
            fraud.severity(v.rule, v.outcome),
            programme_id=ctx.programme_id,
            structure_id=ctx.structure_id,
            redemption_id=redemption_id,
            voucher_id=ctx.voucher_id,
            details={**v.evidence, "status": status},
        )


#: the rules that read the scan history (:class:`Facts`): a screening with one of them
#: reads the facts with the scan's locking query on PostgreSQL
READS_FACTS = frozenset({book_per_day, beneficiary_per_day, structure_volume, whole_book})
