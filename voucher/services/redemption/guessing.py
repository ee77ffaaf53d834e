"""Code guessing, checked before a scan looks anything up.

Rules kept (the maths are :mod:`voucher.domain.code_guessing`'s):

* failures are the refused scans logged with ``mistyped_code`` or ``unknown_code``
  (``refused_scan``), counted per user, per API key and per address (indexed by source and
  time), an address with its own higher thresholds (several desks may share one NAT); the
  strictest source decides;
* slowed: ``too_many_attempts``; locked: ``locked``; both carry ``retry_after`` (seconds).
  They are answered before the scan and never logged as failures themselves;
* when a logged failure locks a source, :func:`lock_started` names that source (the
  refusal alerts raise one alert for it);
* an actor whose sources were found without any failure since :func:`horizon` when its
  API key was read (:func:`failed_since`, the actor's ``guessing_clear_after``) is
  allowed without reading them again.

:mod:`voucher.services.redemption.scan` calls :func:`throttle` before every scan and
look-up without a time; a dated scan (an offline batch, a scan sent with its time) is
judged at its own time by :class:`AtScanTime`.
"""

from __future__ import annotations

import bisect
import math
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, exists, literal_column, or_, select, union_all
from sqlalchemy.orm import Session

from voucher.db import dialect
from voucher.db.models import RefusedScan
from voucher.domain import fraud
from voucher.domain.calendar import utcnow
from voucher.domain.code_guessing import GUESS_REASONS, GuessingState, for_source, guessing
from voucher.domain.errors import DomainError
from voucher.services.context import Actor

MAX_FAILURES_READ = 500


def _sources(actor: Actor) -> list[tuple[str, Any, Any]]:
    found = [
        ("user_id", actor.user_id, RefusedScan.user_id),
        ("api_key_id", actor.api_key_id, RefusedScan.api_key_id),
        ("ip", actor.ip, RefusedScan.ip),
    ]
    return [s for s in found if s[1] is not None]


def _failures(session: Session, column: Any, key: Any, since: datetime) -> list[datetime]:
    """The source's failures since ``since``, each at the time it was scanned (a scan
    sent later, offline, counts when it was made; it was answered after that, so the
    answer time bounds the read)."""
    rows = session.execute(
        select(RefusedScan.at, RefusedScan.scanned_at)
        .where(
            column == key,
            RefusedScan.at > since,
            RefusedScan.reason.in_(sorted(GUESS_REASONS)),
        )
        .order_by(RefusedScan.at.desc())
        .limit(MAX_FAILURES_READ)
    )
    return sorted(t for at, scanned in rows if (t := scanned or at) > since)


#: the guess reasons written in the statement (constants: no parameter to expand)
_REASONS: list[Any] = [literal_column(f"'{r}'") for r in sorted(GUESS_REASONS) if r.isidentifier()]

#: one read of a source's failures: its name, its lower bound's parameter, and whether
#: it reads only the failed *dated* scans (offline), by the time they were answered
Read = tuple[str, str, bool]
#: :func:`_failures` of a source, from ``since`` on
NOW: Read = ("now", "since", False)
_STATEMENTS: dict[tuple[tuple[str, ...], tuple[Read, ...]], Any] = {}


def _reads_statement(names: tuple[str, ...], reads: tuple[Read, ...]) -> Any:
    """One round trip for every read of every source (each its own ``ORDER BY ... LIMIT``,
    the same index look-ups as :func:`_failures`), built once per sources and reads."""
    key = (names, reads)
    if key not in _STATEMENTS:
        parts = []
        for name in names:
            for read, since, dated in reads:
                where = [
                    _COLUMNS[name] == bindparam(name),
                    RefusedScan.at > bindparam(since, type_=RefusedScan.at.type),
                    RefusedScan.reason.in_(_REASONS),
                ]
                if dated:
                    where.append(RefusedScan.scanned_at.is_not(None))
                one = (
                    select(RefusedScan.at, RefusedScan.scanned_at)
                    .where(*where)
                    .order_by(RefusedScan.at.desc())
                    .limit(literal_column(str(MAX_FAILURES_READ)))
                    .subquery()
                )
                parts.append(
                    select(
                        literal_column(f"'{read}'").label("read"),
                        literal_column(f"'{name}'").label("source"),
                        one.c.at,
                        one.c.scanned_at,
                    )
                )
        _STATEMENTS[key] = union_all(*parts)
    return _STATEMENTS[key]


def _read_failures(
    session: Session, actor: Actor, reads: tuple[Read, ...], bounds: dict[str, datetime]
) -> dict[str, dict[str, list[datetime]]]:
    """By read and source, each list in time order: a dated read gives the times its
    failures were answered, the others the times they were scanned (:func:`_failures`);
    ``bounds``: each read's lower bound by parameter name. One statement, run by the
    driver on PostgreSQL (it comes before every scan; its times made UTC-aware as
    :class:`~voucher.db.types.UTCDateTime` makes them)."""
    sources = _sources(actor)
    names = tuple(name for name, _, _ in sources)
    found: dict[str, dict[str, list[datetime]]] = {
        read: {name: [] for name in names} for read, _, _ in reads
    }
    if not sources:
        return found
    params: dict[str, Any] = {name: key for name, key, _ in sources}
    params |= {since: bounds[since] for _, since, _ in reads}
    rows = dialect.execute(
        session.connection(),
        _reads_statement(names, reads),
        params,
        times=[since for _, since, _ in reads],
        answered_times=("at", "scanned_at"),
    )
    how = {read: (bounds[since], dated) for read, since, dated in reads}
    for read, source, at, scanned in rows:
        bound, dated = how[read]
        if dated:
            found[read][source].append(at)
        elif (t := scanned or at) > bound:
            found[read][source].append(t)
    return {read: {n: sorted(ts) for n, ts in by.items()} for read, by in found.items()}


def _horizon(p: dict[str, Any], now: datetime) -> datetime:
    return now - timedelta(minutes=p["window_minutes"] + p["lock_minutes"])


def horizon(now: datetime | None = None) -> datetime:
    """How far back :func:`throttle` reads a source's failures (the rule's thresholds):
    a source with no failure answered after it is not slowed nor locked."""
    return _horizon(fraud.RULES["code_guessing"].defaults(), now or utcnow())


_COLUMNS: dict[str, Any] = {
    "user_id": RefusedScan.user_id,
    "api_key_id": RefusedScan.api_key_id,
    "ip": RefusedScan.ip,
}


def failed_since(sources: dict[str, Any], since: Any) -> Any:
    """Whether one of ``sources`` (source name -> the value it is matched with: a column
    of another table, a parameter) has a failure answered after ``since``: asked inside
    another statement (the API key's read, :mod:`voucher.services.access.api_keys`), so
    that a source with none is known to be allowed without :func:`throttle`'s own read
    (the actor's ``guessing_clear_after``)."""
    return or_(
        *(
            exists().where(
                _COLUMNS[name] == value, RefusedScan.at > since, RefusedScan.reason.in_(_REASONS)
            )
            for name, value in sources.items()
        )
    )


def _clear(actor: Actor, horizon_: datetime) -> bool:
    """No failure of the actor's sources was answered after ``horizon_``, as read with
    its key (a failure answered since that read, a few milliseconds earlier in the same
    request, is not seen: as if the request had come that much earlier)."""
    clear_after = actor.guessing_clear_after
    return clear_after is not None and clear_after <= horizon_


_RANK = {"ok": 0, "slow": 1, "locked": 2}


def guessing_state(
    session: Session,
    actor: Actor,
    at: datetime | None = None,
    thresholds: dict[str, Any] | None = None,
) -> GuessingState:
    """The strictest state over the actor's user, API key and address."""
    now = at or utcnow()
    p = {**fraud.RULES["code_guessing"].defaults(), **(thresholds or {})}
    since = _horizon(p, now)
    if _clear(actor, since):  # no failure to read: allowed
        return GuessingState("ok")
    return _worst(_read_failures(session, actor, (NOW,), {"since": since})["now"], now, p)


def _worst(by_source: dict[str, list[datetime]], now: datetime, p: dict[str, Any]) -> GuessingState:
    """The strictest state of the sources' failures (each in time order)."""
    worst = GuessingState("ok")
    for name, failures in by_source.items():
        state = guessing(failures, now, for_source(p, name))
        if (_RANK[state.status], state.retry_after) > (_RANK[worst.status], worst.retry_after):
            worst = state
    return worst


def refusal_for(state: GuessingState) -> DomainError | None:
    """``locked`` or ``too_many_attempts`` (with ``retry_after``), or None when allowed."""
    if state.status == "locked":
        return DomainError(
            "locked",
            retry_after=state.retry_after,
            locked_until=state.locked_until.isoformat() if state.locked_until else None,
        )
    if state.status == "slow":
        return DomainError("too_many_attempts", retry_after=state.retry_after)
    return None


def throttle(session: Session, actor: Actor, at: datetime | None = None) -> DomainError | None:
    """The refusal a scan from this source gets before any look-up, if it is slowed or locked."""
    return refusal_for(guessing_state(session, actor, at))


BUDGET_WINDOW = timedelta(hours=24)


#: :class:`AtScanTime`'s reads: failures around the scans' times, the dated failures
#: answered in the budget's window, and (unless the actor is known clear) those of now
_AROUND: Read = ("failures", "earliest", False)
_SPENT: Read = ("dated", "spent_since", True)


class AtScanTime:
    """Code guessing for dated scans (an offline batch, a scan sent with its time): each
    is judged at the time it was made, against the failures around that time (this
    batch's included), so a desk offline for days with one typo a day is never slowed.

    Two bounds keep forged times from opening a guessing channel: a source locked *now*
    stays locked, and the dated failures answered in the last 24 hours are at most the
    rule's ``offline_budget`` per source (the batch's budget is what is left of it)."""

    def __init__(self, session: Session, actor: Actor, times: list[datetime]) -> None:
        self.now = utcnow()
        p = fraud.RULES["code_guessing"].defaults()
        self.budget = int(p["offline_budget"])
        earliest = min(times, default=self.now) - timedelta(
            minutes=p["window_minutes"] + p["lock_minutes"]
        )
        since = _horizon(p, self.now)
        wanted = (_AROUND, _SPENT) if _clear(actor, since) else (_AROUND, _SPENT, NOW)
        bounds = {"earliest": earliest, "spent_since": self.now - BUDGET_WINDOW, "since": since}
        reads = _read_failures(session, actor, wanted, bounds)
        self.sources = []
        self.spent: list[datetime] = []
        for name, _, _ in _sources(actor):
            self.sources.append((for_source(p, name), reads["failures"][name]))
            self.spent = max(self.spent, reads["dated"][name], key=len)
        self.locked_now = refusal_for(_worst(reads.get("now", {}), self.now, p))
        if self.locked_now is not None and self.locked_now.code != "locked":
            self.locked_now = None  # slowed now: a dated scan was made before, unhurried

    def refusal(self, at: datetime) -> DomainError | None:
        """``locked`` / ``too_many_attempts`` for a scan made at ``at``, or None."""
        if self.locked_now is not None:
            return self.locked_now
        if len(self.spent) >= self.budget:
            oldest = self.spent[-self.budget]
            wait = max(1, math.ceil((oldest + BUDGET_WINDOW - self.now).total_seconds()))
            return DomainError("too_many_attempts", retry_after=wait)
        for p, failures in self.sources:
            state = guessing([t for t in failures if t <= at], at, p)
            if state.status == "locked":
                return refusal_for(state)
        return None

    def failed(self, at: datetime) -> None:
        """A scan made at ``at`` was just refused as a guess (and logged)."""
        self.spent.append(self.now)
        for _, failures in self.sources:
            bisect.insort(failures, at)


def lock_started(
    session: Session, actor: Actor, at: datetime
) -> tuple[dict[str, Any], GuessingState] | None:
    """Called right after a failure was logged: the source that this failure just locked."""
    p = fraud.RULES["code_guessing"].defaults()
    for name, key, column in _sources(actor):
        times = _failures(session, column, key, _horizon(p, at))
        mine = for_source(p, name)
        after = guessing(times, at, mine)
        if after.status == "locked" and guessing(times[:-1], at, mine).status != "locked":
            return {"source": name, "key": key}, after
    return None
