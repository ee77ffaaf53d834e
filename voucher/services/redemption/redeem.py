"""Redeeming a voucher at a structure: the core of a scan, in the order of the rule.

1. **facts**: one query (:data:`~voucher.services.redemption.scan_statements.SCAN_ROW`)
   reads everything the decision needs and locks the voucher row (``FOR UPDATE`` on
   PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` serialises writers); it also says whether this
   scan id was already answered here: a client scan id makes a replay harmless, the first
   result comes back and nothing changes (the same id for another code: ``scan_id_reused``);
2. **refusal**: the pure check (:func:`voucher.domain.acceptance.refusal`); a voucher taken
   meanwhile may be this very scan's concurrent twin, committed while we waited for the
   lock: then the twin's answer is this scan's answer;
3. **rules**: the screening's rules in their order
   (:mod:`voucher.services.redemption.screening`); the strongest verdict refuses, holds
   or lets the scan through;
4. **write** (:mod:`~voucher.services.redemption.scan_write`): the voucher moves by a
   conditional ``UPDATE ... WHERE state IN (scannable)`` (never redeemed twice even if the
   lock were missing; the partial unique index on live redemptions is the last guard), the
   journal entry and postings, the redemption, the audit event, the day counter, and the
   shared balances last: one statement on PostgreSQL.

Core statements only, no ORM object loaded: the hot path is one locking facts query (which
also names the accounts to move), the rules' one facts query, then the writes; on
PostgreSQL the rules' facts come with the locking query and both statements are run by the
driver (:mod:`~voucher.services.redemption.scan_facts`): two statements and a commit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from voucher.db import dialect
from voucher.domain import codes, ledger, vocab
from voucher.domain.acceptance import ScanFacts, refusal
from voucher.domain.calendar import paris_date, utcnow
from voucher.domain.errors import DomainError
from voucher.domain.states import SCANNABLE, VoucherState
from voucher.domain.verdicts import ScanContext, Verdict, strongest
from voucher.services.context import Actor
from voucher.services.finance import journal
from voucher.services.mail import notify
from voucher.services.redemption import rules, scan_facts, scan_write
from voucher.services.redemption import scan_statements as sql
from voucher.services.redemption.screening import CORE_ONLY, FULL, Screening

FUTURE_TOLERANCE = timedelta(minutes=5)
OFFLINE_LIMIT = timedelta(days=30)


@dataclass(frozen=True)
class Scan:
    code: str
    structure_id: int
    theme: str | None = None
    autonomy: str | None = None
    scan_id: str | None = None
    scanned_at: datetime | None = None


@dataclass
class Result:
    redemption_id: int
    status: str
    code: str
    voucher_id: int
    face_value_cents: int
    programme_id: int
    programme_name: str
    valid_until: date
    book_serial: int
    position: int
    vouchers_per_book: int
    scanned_at: datetime
    theme: str | None
    verdicts: list[dict[str, Any]] = field(default_factory=list)
    replayed: bool = False


def redeem(session: Session, actor: Actor, scan: Scan, screening: Screening = FULL) -> Result:
    """Accept (or hold) one voucher at ``scan.structure_id``; refusals raise DomainError."""
    digits, now, at = checked_scan(scan)
    row = _facts(session, scan, digits, at, screening)
    if row is None or row.prior_scan is not None:  # unknown, or this scan id already answered
        replay = _replay(session, scan, digits)
        if replay is not None:
            return replay
    if row is None:
        raise DomainError("unknown_code")
    twin = _refusal(session, scan, digits, row, paris_date(at))
    if twin is not None:
        return twin
    ctx = context(row, scan.structure_id, actor, at)
    if scan_facts.carries_rules(row):
        rules.remember_folded(session, ctx, row)
    verdicts = screen(session, ctx, screening)
    worst = strongest(verdicts)
    if worst is not None and worst.outcome == "refuse":
        raise DomainError(worst.rule, worst.explanation, rule=worst.rule)
    held_by = worst if worst is not None and worst.outcome == "hold" else None
    return _write(session, actor, scan, row, Decision(ctx, verdicts, held_by, now), screening)


def accept_after_review(session: Session, actor: Actor, scan: Scan) -> Result:
    """Accept a refused scan a person reviewed (an offline dispute released): no check nor
    rule again, but only an unspent voucher, taken as any scan is (never twice)."""
    digits, now = codes.parse(scan.code), utcnow()
    at = scan.scanned_at or now
    row = _facts(session, scan, digits, at, CORE_ONLY)  # no rule runs again
    if row is None or row.state not in SCANNABLE:
        raise DomainError("dispute_not_payable")
    ctx = context(row, scan.structure_id, actor, at)
    return _write(session, actor, scan, row, Decision(ctx, [], None, now), FULL)


# --- 1. facts ---------------------------------------------------------------------------


def checked_scan(scan: Scan) -> tuple[str, datetime, datetime]:
    """The code's digits, the time now and the time of the scan; refuses bad input."""
    digits = codes.parse(scan.code)
    vocab.check(vocab.THEMES, scan.theme, optional=True)
    vocab.check(vocab.AUTONOMY, scan.autonomy, optional=True)
    now = utcnow()
    if scan.scanned_at is None:
        return digits, now, now
    at = scan.scanned_at
    if at.tzinfo is None or at > now + FUTURE_TOLERANCE or at < now - OFFLINE_LIMIT:
        raise DomainError("invalid_scan_time")
    return digits, now, at


def _facts(
    session: Session, scan: Scan, digits: str, at: datetime, screening: Screening = FULL
) -> Any:
    params = {
        "code": digits,
        "sid": scan.structure_id,
        "today": paris_date(at),
        "scan_id": scan.scan_id,
    }
    return scan_facts.read(session, params, at, screening.reads_facts)


def acceptance_facts(row: Any, day: date) -> ScanFacts:
    """What the pure check needs, from a row of the facts query."""
    return ScanFacts(
        state=row.state,
        today=day,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        grace_days=row.grace_days,
        is_structure=bool(row.is_structure),
        labelled=bool(row.labelled),
        structure_listed=bool(row.structure_listed),
        label_accepted=bool(row.label_accepted),
        in_zone=bool(row.in_zone),
    )


def _replay(session: Session, scan: Scan, digits: str) -> Result | None:
    if not scan.scan_id:
        return None
    conn = session.connection()
    prior = conn.execute(
        sql.PRIOR_SCAN, {"sid": scan.structure_id, "scan_id": scan.scan_id}
    ).first()
    if prior is None:
        return None
    row = conn.execute(sql.ROW_BY_ID, {"vid": prior.voucher_id}).first()
    if row is None or row.code != digits:
        raise DomainError("scan_id_reused")
    return result_of(
        row, prior.id, prior.status, prior.scanned_at, prior.theme, prior.verdicts or [], True
    )


# --- 2. refusal -------------------------------------------------------------------------


def _refusal(session: Session, scan: Scan, digits: str, row: Any, day: date) -> Result | None:
    """Raise the core refusal, if any; None when the scan may go on, or the answer of this
    scan's concurrent twin (committed while we waited for the row lock: the facts query
    used the older snapshot, a new statement sees it)."""
    code = refusal(acceptance_facts(row, day))
    if code is None:
        return None
    if code in ("already_redeemed", "held") and row.prior_scan is None:
        twin = _replay(session, scan, digits)
        if twin is not None:
            return twin
    if code == "already_redeemed":
        raise _already_redeemed(session, row)
    raise DomainError(code)


def _already_redeemed(session: Session, row: Any) -> DomainError:
    first = session.connection().execute(sql.FIRST_LIVE, {"vid": row.id}).first()
    details: dict[str, Any] = {}
    if first is not None:
        details = {
            "first_redeemed_at": first.scanned_at.isoformat(),
            "first_structure_id": first.structure_id,
        }
    return DomainError("already_redeemed", **details)


# --- 3. rules ---------------------------------------------------------------------------


def context(row: Any, structure_id: int, actor: Actor, at: datetime) -> ScanContext:
    """What the fraud rules judge, from a row of the facts query."""
    return ScanContext(
        voucher_id=row.id,
        state=row.state,
        book_id=row.book_id,
        book_status=row.book_status,
        beneficiary_id=row.beneficiary_id,
        programme_id=row.programme_id,
        handout_policy=row.handout_policy,
        thresholds=row.fraud_thresholds or {},
        structure_id=structure_id,
        user_id=actor.user_id,
        api_key_id=actor.api_key_id,
        scanned_at=at,
    )


def screen(session: Session, ctx: ScanContext, screening: Screening = FULL) -> list[Verdict]:
    """Every rule of the screening, in its order; each only reads."""
    found = (rule(session, ctx) for rule in screening.rules)
    return [verdict for verdict in found if verdict is not None]


# --- 4. write ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    """A scan that passed every check: accepted, or held by the rule that held it."""

    ctx: ScanContext
    verdicts: list[Verdict]
    held_by: Verdict | None
    now: datetime

    @property
    def status(self) -> str:
        return "held" if self.held_by is not None else "accepted"


def _write(
    session: Session,
    actor: Actor,
    scan: Scan,
    row: Any,
    decision: Decision,
    screening: Screening,
) -> Result:
    """The writes (:mod:`~voucher.services.redemption.scan_write`): one statement on
    PostgreSQL when nothing else is written; a hold, verdicts to record or an offline
    batch write their rows after it, and the balances last."""
    conn, status, now = session.connection(), decision.status, decision.now
    held = decision.held_by is not None
    lines, ids = entry_lines(session, scan, row, held)
    verdicts = [v.as_dict() for v in decision.verdicts]
    fields = journal.entry_fields(f"redemption.{status}", lines, now, actor)
    extras = held or bool(decision.verdicts and screening.recorders)
    deferred = journal.deferring(session)
    params = write_params(actor, scan, row, decision, fields, verdicts, lines, ids)
    balances = not (extras or deferred)  # then nothing is written after it
    done = scan_write.write(
        conn,
        params,
        count_day=screening.counts_days,
        balances=balances,
        commit=balances and dialect.commits_with_write(session),
    )
    if done is None:
        raise _already_redeemed(session, row)
    redemption_id, entry_id = done
    if decision.held_by is not None:
        conn.execute(sql.NEW_HOLD, _hold(scan, row, decision.held_by, redemption_id, now))
        notify.hold_to_review(session, row.programme_id, scan.structure_id)
    if decision.verdicts:
        for record in screening.recorders:
            record(session, decision.ctx, redemption_id, status, decision.verdicts)
    if not journal.defer(session, entry_id) and extras:
        journal.move_balances(session, lines)  # last: shared rows locked only until commit
    return result_of(row, redemption_id, status, decision.ctx.scanned_at, scan.theme, verdicts)


def entry_lines(
    session: Session, scan: Scan, row: Any, held: bool
) -> tuple[list[ledger.Posting], dict[str, int]]:
    """``outstanding`` -> ``payable`` (accepted) or ``suspense`` (held), in account-code
    order, with the accounts' ids: named by the facts query, else looked up (created)."""
    source = ledger.outstanding(row.programme_id, row.holder_id)
    target = ledger.suspense(row.programme_id) if held else ledger.payable(scan.structure_id)
    lines = ledger.balanced(ledger.move(row.face_value_cents, source, target))
    if not held and row.outstanding_account is not None and row.payable_account is not None:
        return lines, {source: row.outstanding_account, target: row.payable_account}
    return lines, journal.account_ids(session, [source, target])


def write_params(
    actor: Actor,
    scan: Scan,
    row: Any,
    decision: Decision,
    entry: dict[str, Any],
    verdicts: list[dict[str, Any]],
    lines: list[ledger.Posting],
    ids: dict[str, int],
) -> dict[str, Any]:
    first, second = lines
    rules = [v.rule for v in decision.verdicts]
    return dict(
        entry,
        vid=row.id,
        new_state=VoucherState.HELD if decision.held_by is not None else VoucherState.REDEEMED,
        now=decision.now,
        user_id=actor.user_id,
        a1=ids[first.account],
        m1=first.amount,
        a2=ids[second.account],
        m2=second.amount,
        sid=scan.structure_id,
        programme_id=row.programme_id,
        book_id=row.book_id,
        beneficiary_id=row.beneficiary_id,
        prescriber_id=row.holder_id,
        api_key_id=actor.api_key_id,
        scan_id=scan.scan_id,
        device=actor.device,
        status=decision.status,
        face_value_cents=row.face_value_cents,
        scanned_at=decision.ctx.scanned_at,
        theme=scan.theme,
        autonomy=scan.autonomy,
        prior_state=row.state,
        verdicts=verdicts,
        action=f"redemption.{decision.status}",
        actor_label=actor.label,
        ip=actor.ip,
        details={"voucher_id": row.id, "rules": rules},
        day=paris_date(decision.ctx.scanned_at),
    )


def _hold(
    scan: Scan, row: Any, held_by: Verdict, redemption_id: int, now: datetime
) -> dict[str, Any]:
    return dict(
        redemption_id=redemption_id,
        programme_id=row.programme_id,
        structure_id=scan.structure_id,
        rule=held_by.rule,
        evidence=held_by.evidence,
        status="open",
        created_at=now,
        decided_at=None,
        decided_by=None,
        decision_entry_id=None,
        note=None,
    )


def result_of(
    row: Any,
    redemption_id: int,
    status: str,
    at: datetime,
    theme: str | None,
    verdicts: list[dict[str, Any]],
    replayed: bool = False,
) -> Result:
    return Result(
        redemption_id=redemption_id,
        status=status,
        code=row.code,
        voucher_id=row.id,
        face_value_cents=row.face_value_cents,
        programme_id=row.programme_id,
        programme_name=row.programme_name,
        valid_until=row.valid_until,
        book_serial=row.serial,
        position=row.position,
        vouchers_per_book=row.vouchers_per_book,
        scanned_at=at,
        theme=theme,
        verdicts=verdicts,
        replayed=replayed,
    )
