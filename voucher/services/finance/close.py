"""Closing a Europe/Paris month: one gap-free statement per structure owed money.

Rules kept:

* a statement takes every **accepted** scan of the structure scanned before the month's end
  and not yet in a statement (held scans never: they wait for their review; a hold released
  after a close is picked up by the next one); only programmes in the actor's scope;
* a structure without validated bank details or a structured address is *blocked*, listed
  with its reason, and its scans wait for a later close;
* the whole close is one transaction under the ``close`` lock: numbers are taken from the
  year's sequence while it is locked, the scans are claimed set-based (one ``UPDATE`` for
  all structures, never row by row) and re-counted; if anything moved underneath (a scan
  cancelled meanwhile) the close refuses with ``close_conflict`` and nothing is written;
* closing a month again (or two finance users at once) creates nothing new: the second run
  finds no unstated scans and returns the statements of the first; one ``month_close``
  record per month keeps the runs;
* the journal is sealed at the end of a close that created statements, and each statement
  carries the seal's hash.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from sqlalchemy import BigInteger, Table, func, insert, literal, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session

from voucher import faults
from voucher.db import dialect
from voucher.db.models import (
    BankAccount,
    JournalSeal,
    MonthClose,
    Organisation,
    Redemption,
    Statement,
    StatementProgramme,
)
from voucher.domain import finance, ledger
from voucher.domain.calendar import utcnow
from voucher.domain.errors import DomainError
from voucher.services import audit
from voucher.services.access.programme_scope import Scope
from voucher.services.context import Actor
from voucher.services.finance import ledger_audit
from voucher.services.finance.numbering import lock, take_numbers
from voucher.services.finance.scope import finance_scope, statement_in_scope
from voucher.services.webhooks import events

Progress = Callable[[str], None]
REDEMPTIONS = cast(Table, Redemption.__table__)
STEPS = (
    "Lecture des scans à relever",
    "Numérotation des relevés",
    "Rattachement des scans",
    "Contrôle des totaux",
    "Scellement du journal",
)


@dataclass(frozen=True)
class Blocked:
    structure_id: int
    name: str
    reason: str
    count: int
    total_cents: int

    @property
    def reason_fr(self) -> str:
        return finance.BLOCKED_FR[self.reason]


@dataclass(frozen=True)
class StatementRow:
    id: int
    number: str
    structure_id: int
    structure_name: str
    line_count: int
    total_cents: int
    status: str


@dataclass
class CloseResult:
    period: finance.Period
    close_id: int | None
    journal_hash: str
    created: list[StatementRow] = field(default_factory=list)
    statements: list[StatementRow] = field(default_factory=list)
    blocked: list[Blocked] = field(default_factory=list)

    @property
    def total_cents(self) -> int:
        return sum(s.total_cents for s in self.statements)


@dataclass(frozen=True)
class _Candidate:
    structure_id: int
    count: int
    total: int
    first_at: datetime


def _unstated(end: datetime, scope: Scope) -> Any:
    """Accepted scans not yet stated, up to ``end`` (the partial index ix_redemption_to_state)."""
    r = REDEMPTIONS.c
    return (
        (r.status == "accepted")
        & r.statement_id.is_(None)
        & (r.scanned_at < end)
        & scope.where(r.programme_id)
    )


def _candidates(session: Session, end: datetime, scope: Scope) -> list[_Candidate]:
    rows = session.execute(
        select(
            Redemption.structure_id,
            func.count(),
            func.sum(Redemption.face_value_cents),
            func.min(Redemption.scanned_at),
        )
        .where(_unstated(end, scope))
        .group_by(Redemption.structure_id)
        .order_by(Redemption.structure_id)
    )
    return [_Candidate(int(s), int(n), int(t), first) for s, n, t, first in rows]


def _payee_facts(
    session: Session, ids: list[int]
) -> dict[int, tuple[str, str | None, int | None, bool]]:
    """structure id -> (name, best bank status, validated account id, address complete)."""
    facts: dict[int, tuple[str, str | None, int | None, bool]] = {}
    for org in session.scalars(select(Organisation).where(Organisation.id.in_(ids))):
        complete = finance.address_complete(org.street, org.postcode, org.town, org.country)
        facts[org.id] = (org.name, None, None, complete)
    rank = {"validated": 4, "suspended": 3, "pending": 2, "rejected": 1}
    rows = session.execute(
        select(BankAccount.organisation_id, BankAccount.status, BankAccount.id)
        .where(BankAccount.organisation_id.in_(ids), BankAccount.status.in_(tuple(rank)))
        .order_by(BankAccount.id)
    )
    for org_id, status, acc_id in rows:
        name, best, acc, complete = facts[int(org_id)]
        if best is None or rank[status] >= rank[best]:
            best, acc = status, int(acc_id) if status == "validated" else acc
        facts[int(org_id)] = (name, best, acc, complete)
    return facts


def record_of(session: Session, period: finance.Period) -> MonthClose | None:
    return session.scalars(
        select(MonthClose)
        .where(MonthClose.period == str(period))
        .execution_options(populate_existing=True)
    ).first()


def _journal_hash(session: Session, seal_now: bool) -> str:
    block = ledger_audit.seal(session) if seal_now else None
    if block is not None:
        return block.hash
    last = session.scalar(select(JournalSeal.hash).order_by(JournalSeal.id.desc()).limit(1))
    return str(last) if last else ledger.GENESIS


def statements_of(
    session: Session, close_id: int, scope: Scope, seqs: tuple[int, int] | None = None
) -> list[StatementRow]:
    stmt = (
        select(
            Statement.id,
            Statement.number,
            Statement.structure_id,
            Organisation.name,
            Statement.line_count,
            Statement.total_cents,
            Statement.status,
        )
        .join(Organisation, Organisation.id == Statement.structure_id)
        .where(Statement.close_id == close_id, statement_in_scope(scope))
        .order_by(Statement.year, Statement.seq)
    )
    if seqs is not None:
        stmt = stmt.where(Statement.seq.between(*seqs))
    rows = session.execute(stmt)
    return [StatementRow(*r) for r in rows]


def _create_statements(
    session: Session,
    actor: Actor,
    record: MonthClose,
    period: finance.Period,
    eligible: list[tuple[_Candidate, int]],
    scope: Scope,
    now: datetime,
    say: Progress,
) -> tuple[int, int]:
    """Number, insert and fill the statements; returns the (first, last) sequence numbers."""
    say(STEPS[1])
    seqs = take_numbers(session, "statement", period.year, len(eligible))
    _, end = period.bounds()
    session.execute(
        insert(Statement),
        [
            dict(
                number=finance.statement_number(period.year, seq),
                year=period.year,
                seq=seq,
                structure_id=c.structure_id,
                close_id=record.id,
                period=str(period),
                first_scan_at=c.first_at,
                period_end=end,
                line_count=c.count,
                total_cents=c.total,
                bank_account_id=account,
                status="open",
                journal_hash="",
                created_at=now,
                created_by=actor.user_id,
                paid_at=None,
            )
            for seq, (c, account) in zip(seqs, eligible, strict=True)
        ],
    )
    events.emit_many(
        session,
        "statement.issued",
        [
            (
                {
                    "number": finance.statement_number(period.year, seq),
                    "period": str(period),
                    "structure_id": c.structure_id,
                    "total_cents": c.total,
                    "lines": c.count,
                },
                [c.structure_id],
            )
            for seq, (c, _) in zip(seqs, eligible, strict=True)
        ],
    )
    say(STEPS[2])
    run = (Statement.year == period.year) & Statement.seq.between(seqs[0], seqs[-1])
    rows = _claim(session, run, end, scope)
    say(STEPS[3])
    _check_and_split(session, rows, {c.structure_id: c for c, _ in eligible})
    return seqs[0], seqs[-1]


def _claim(session: Session, run: Any, end: datetime, scope: Scope) -> Sequence[Any]:
    """Claim the unstated scans of the run's structures in one statement; return (statement,
    structure, programme, scans, cents). PostgreSQL: ``WITH claimed AS (UPDATE … FROM unnest(
    structures, statements) … RETURNING …) SELECT … GROUP BY``: knowing the pairs' count, the
    planner reads the month once (joined to the new statements, estimated at one row, it read
    each page once per structure). SQLite: ``UPDATE … FROM statement``, then a count."""
    if dialect.writes_in_with(session):
        pairs = session.execute(select(Statement.structure_id, Statement.id).where(run)).all()
        ids = [literal([int(p[k]) for p in pairs], ARRAY(BigInteger)) for k in (0, 1)]
        owner = func.unnest(*ids).table_valued("structure_id", "statement_id").render_derived()
        r = REDEMPTIONS.c
        claimed = (
            update(REDEMPTIONS)
            .where(_unstated(end, scope), r.structure_id == owner.c.structure_id)
            .values(statement_id=owner.c.statement_id)
            .returning(r.statement_id, r.structure_id, r.programme_id, r.face_value_cents)
            .cte("claimed")
        )
        keys = (claimed.c.statement_id, claimed.c.structure_id, claimed.c.programme_id)
        counted = select(*keys, func.count(), func.sum(claimed.c.face_value_cents))
        return session.execute(counted.group_by(*keys)).all()
    owned = Statement.structure_id == REDEMPTIONS.c.structure_id
    session.execute(
        update(REDEMPTIONS)
        .where(_unstated(end, scope), run, owned)
        .values(statement_id=Statement.id)
    )
    by = (Statement.id, Statement.structure_id, Redemption.programme_id)
    return session.execute(
        select(*by, func.count(), func.sum(Redemption.face_value_cents))
        .join(Redemption, Redemption.statement_id == Statement.id)
        .where(run)
        .group_by(*by)
    ).all()


def _check_and_split(session: Session, rows: Sequence[Any], wanted: dict[int, _Candidate]) -> None:
    got: dict[int, list[int]] = {}
    for _sid, structure_id, _pid, n, total in rows:
        acc = got.setdefault(int(structure_id), [0, 0])
        acc[0] += int(n)
        acc[1] += int(total)
    if any(got.get(s) != [c.count, c.total] for s, c in wanted.items()):
        raise DomainError("close_conflict")
    session.execute(
        insert(StatementProgramme),
        [
            dict(statement_id=sid, programme_id=pid, line_count=n, total_cents=total)
            for sid, _s, pid, n, total in rows
        ],
    )


def close_month(
    session: Session,
    actor: Actor,
    period: finance.Period,
    *,
    scope: Scope | None = None,
    progress: Progress | None = None,
) -> CloseResult:
    """Close ``period`` (idempotent); see the module docstring for the rules."""
    say = progress or (lambda _step: None)
    now = utcnow()
    finance.require_over(period, now)
    scope = scope if scope is not None else finance_scope(session, actor)
    lock(session, "close")
    say(STEPS[0])
    candidates = _candidates(session, period.bounds()[1], scope)
    facts = _payee_facts(session, [c.structure_id for c in candidates])
    eligible: list[tuple[_Candidate, int]] = []
    blocked: list[Blocked] = []
    for c in candidates:
        name, status, account, complete = facts[c.structure_id]
        reason = finance.blocked_reason(status, complete)
        if reason or account is None:
            blocked.append(
                Blocked(c.structure_id, name, reason or "no_bank_details", c.count, c.total)
            )
        else:
            eligible.append((c, account))
    record = record_of(session, period)
    if record is None:
        record = MonthClose(
            period=str(period),
            first_closed_at=now,
            last_run_at=now,
            closed_by=actor.user_id,
            runs=0,
            statements_count=0,
            total_cents=0,
            blocked=[],
            journal_hash="",
        )
        session.add(record)
        session.flush()
    created: list[StatementRow] = []
    fresh = record.runs == 0
    if eligible:
        seqs = _create_statements(session, actor, record, period, eligible, scope, now, say)
        created = statements_of(session, record.id, scope, seqs)
    blocked_json = [b.__dict__ for b in blocked]
    if created or fresh or blocked_json != record.blocked:
        say(STEPS[4])
        record.journal_hash = _journal_hash(session, bool(created) or fresh)
        record.runs += 1
        record.last_run_at = now
        record.statements_count += len(created)
        record.total_cents += sum(s.total_cents for s in created)
        record.blocked = blocked_json
        if created:
            session.execute(
                update(Statement)
                .where(Statement.id.in_([s.id for s in created]))
                .values(journal_hash=literal(record.journal_hash))
            )
        session.flush()
    audit.record(
        session,
        actor,
        "month.close",
        ("month_close", record.id),
        period=str(period),
        created=len(created),
        blocked=len(blocked),
        outcome="ok" if created else "nothing_new",
    )
    faults.point("close.statements_written")
    return CloseResult(
        period,
        record.id,
        record.journal_hash,
        created,
        statements_of(session, record.id, scope),
        blocked,
    )


def blocked_fr(entries: list[dict[str, Any]]) -> list[Blocked]:
    return [Blocked(**e) for e in entries]
