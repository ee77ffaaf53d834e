"""Fraud checks made outside the redemption transaction.

* :func:`guessing_state` / :func:`refuse_if_guessing`: the scan desk and the API call one
  of them **before** ``redemption.redeem``. Failures are the refused scans logged with
  ``mistyped_code`` or ``unknown_code`` (``refused_scan``), counted per user, per API key
  and per address (indexed by source and time), an address with its own higher thresholds
  (several desks may share one NAT); the strictest source decides. Slowed:
  ``too_many_attempts``; locked: ``locked``; both carry ``retry_after`` (seconds).
* :func:`needs_second_approval`: month close asks it for each structure before paying; a
  structure whose bank details were replaced within ``recent_iban_change.days`` before the
  payment (or since its last confirmed payment, when the caller passes ``since``) needs a
  second person to approve that payment. Source: ``bank_account_event`` rows ``replaced``.
* :func:`set_thresholds`: validated per-programme thresholds, audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from voucher.db.models import BankAccount, BankAccountEvent, Programme, RefusedScan
from voucher.domain import fraud
from voucher.domain.calendar import utcnow
from voucher.domain.errors import DomainError
from voucher.services import audit
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
    rows = session.scalars(
        select(RefusedScan.at)
        .where(
            column == key,
            RefusedScan.at > since,
            RefusedScan.reason.in_(sorted(fraud.GUESS_REASONS)),
        )
        .order_by(RefusedScan.at.desc())
        .limit(MAX_FAILURES_READ)
    )
    return sorted(rows)


def _horizon(p: dict[str, Any], now: datetime) -> datetime:
    return now - timedelta(minutes=p["window_minutes"] + p["lock_minutes"])


_RANK = {"ok": 0, "slow": 1, "locked": 2}


def guessing_state(
    session: Session,
    actor: Actor,
    at: datetime | None = None,
    thresholds: dict[str, Any] | None = None,
) -> fraud.GuessingState:
    """The strictest state over the actor's user, API key and address."""
    now = at or utcnow()
    p = {**fraud.RULES["code_guessing"].defaults(), **(thresholds or {})}
    worst = fraud.GuessingState("ok")
    for name, key, column in _sources(actor):
        state = fraud.guessing(
            _failures(session, column, key, _horizon(p, now)), now, fraud.for_source(p, name)
        )
        if (_RANK[state.status], state.retry_after) > (_RANK[worst.status], worst.retry_after):
            worst = state
    return worst


def refuse_if_guessing(session: Session, actor: Actor, at: datetime | None = None) -> None:
    """Raise ``too_many_attempts`` or ``locked`` (with ``retry_after``) before a scan."""
    state = guessing_state(session, actor, at)
    if state.status == "locked":
        raise DomainError(
            "locked",
            retry_after=state.retry_after,
            locked_until=state.locked_until.isoformat() if state.locked_until else None,
        )
    if state.status == "slow":
        raise DomainError("too_many_attempts", retry_after=state.retry_after)


def lock_started(
    session: Session, actor: Actor, at: datetime
) -> tuple[dict[str, Any], fraud.GuessingState] | None:
    """Called right after a failure was logged: the source that this failure just locked."""
    p = fraud.RULES["code_guessing"].defaults()
    for name, key, column in _sources(actor):
        times = _failures(session, column, key, _horizon(p, at))
        mine = fraud.for_source(p, name)
        after = fraud.guessing(times, at, mine)
        if after.status == "locked" and fraud.guessing(times[:-1], at, mine).status != "locked":
            return {"source": name, "key": key}, after
    return None


@dataclass(frozen=True)
class SecondApproval:
    needed: bool
    changed_at: datetime | None = None
    days: int = 0

    def __bool__(self) -> bool:
        return self.needed


def needs_second_approval(
    session: Session,
    structure_id: int,
    at: datetime,
    *,
    since: datetime | None = None,
    days: int | None = None,
) -> SecondApproval:
    """Does a payment to ``structure_id`` at ``at`` need a second approval?"""
    window = days if days is not None else fraud.RULES["recent_iban_change"].defaults()["days"]
    start = at - timedelta(days=window)
    if since is not None:
        start = min(start, since)
    changed = session.scalar(
        select(BankAccountEvent.at)
        .join(BankAccount, BankAccount.id == BankAccountEvent.bank_account_id)
        .where(
            BankAccount.organisation_id == structure_id,
            BankAccountEvent.status == "replaced",
            BankAccountEvent.at > start,
            BankAccountEvent.at <= at,
        )
        .order_by(BankAccountEvent.at.desc())
        .limit(1)
    )
    return SecondApproval(changed is not None, changed, window)


def set_thresholds(session: Session, actor: Actor, programme_id: int, raw: Any) -> dict[str, Any]:
    """Replace a programme's fraud thresholds after validation; returns what was stored."""
    clean = fraud.validate(raw)
    programme = session.get(Programme, programme_id)
    if programme is None:
        raise DomainError("not_found", object="programme")
    before = dict(programme.fraud_thresholds or {})
    programme.fraud_thresholds = clean
    session.flush()
    audit.record(
        session,
        actor,
        "programme.fraud_thresholds",
        ("programme", programme_id),
        before=before,
        after=clean,
    )
    return clean
