"""Payment runs: statements gathered into one SEPA credit-transfer file.

Rules kept:

* a run takes the statements in scope that are ``open`` (never paid) or ``rejected`` (the
  bank sent the money back), one transfer each, to the structure's **current validated**
  bank details; a structure without them is withheld;
* fraud rule ``recent_iban_change``: when the structure's bank details were replaced
  recently (or since its last confirmed payment), the transfer waits until **two different
  people** have approved that statement for those bank details (:func:`needs_second_approval`
  is the one place that asks the fraud rules);
* the file is built and validated against the pain.001 XSD **before** anything is written;
  then, in the same transaction, each transfer moves ``payable`` -> ``in_payment`` (one entry
  per transfer, the statement number as memo) and its statement becomes ``in_payment``;
* running again finds nothing ready and creates nothing; the ``payment`` lock serialises two
  finance users, and a partial unique index keeps at most one live transfer per statement;
* the same run pays the refunds owed to funders (credit notes, :mod:`.refunds`), under the
  same rules, in the same validated SEPA file.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voucher import faults
from voucher.db.models import (
    BankAccount,
    CreditNote,
    Organisation,
    PaymentApproval,
    PaymentRun,
    PaymentTransfer,
    Statement,
)
from voucher.documents import sepa
from voucher.domain import calendar, finance, ledger
from voucher.domain.calendar import paris_date, utcnow
from voucher.domain.errors import DomainError
from voucher.services import audit
from voucher.services.access.programme_scope import Scope
from voucher.services.context import Actor
from voucher.services.finance import journal, refunds, second_approval
from voucher.services.finance.numbering import lock
from voucher.services.finance.refunds import RefundDue
from voucher.services.finance.scope import finance_scope, statement_in_scope
from voucher.services.organisations import bank_details

APPROVALS_NEEDED = 2


@dataclass
class Payable:
    statement_id: int
    number: str
    period: str
    structure_id: int
    structure_name: str
    total_cents: int
    status: str
    account: BankAccount | None
    withheld: str | None = None
    changed_at: datetime | None = None
    approvers: list[int] = field(default_factory=list)
    withheld_detail: str | None = None  # the bank's return that suspended the details

    @property
    def withheld_fr(self) -> str:
        text = finance.WITHHELD_FR.get(self.withheld or "", "")
        return f"{text} ({self.withheld_detail})" if self.withheld_detail else text


@dataclass
class RunResult:
    run_id: int | None
    reference: str | None
    included: list[Payable]
    withheld: list[Payable]
    refunds: list[RefundDue] = field(default_factory=list)
    refunds_withheld: list[RefundDue] = field(default_factory=list)

    @property
    def total_cents(self) -> int:
        return sum(p.total_cents for p in self.included) + sum(r.total_cents for r in self.refunds)


def needs_second_approval(
    session: Session, structure_id: int, at: datetime
) -> second_approval.SecondApproval:
    """The fraud rule, asked with the time of the structure's last confirmed payment."""
    last_paid = session.scalar(
        select(func.max(PaymentTransfer.settled_at))
        .join(Statement, Statement.id == PaymentTransfer.statement_id)
        .where(Statement.structure_id == structure_id, PaymentTransfer.status == "paid")
    )
    return second_approval.needs_second_approval(session, structure_id, at, since=last_paid)


def _accounts(
    session: Session, structure_ids: list[int], status: str = "validated"
) -> dict[int, BankAccount]:
    found = session.scalars(
        select(BankAccount)
        .where(BankAccount.organisation_id.in_(structure_ids), BankAccount.status == status)
        .order_by(BankAccount.id)
    )
    return {a.organisation_id: a for a in found}


def _approvers(session: Session, statement_id: int, account_id: int) -> list[int]:
    return sorted(
        int(u)
        for u in session.scalars(
            select(PaymentApproval.user_id).where(
                PaymentApproval.statement_id == statement_id,
                PaymentApproval.bank_account_id == account_id,
            )
        )
    )


def ready(session: Session, scope: Scope, *, at: datetime | None = None) -> list[Payable]:
    """Statements waiting for payment, each marked with why it would be withheld (if so)."""
    now = at or utcnow()
    rows = session.execute(
        select(
            Statement.id,
            Statement.number,
            Statement.period,
            Statement.structure_id,
            Organisation.name,
            Statement.total_cents,
            Statement.status,
        )
        .join(Organisation, Organisation.id == Statement.structure_id)
        .where(Statement.status.in_(("open", "rejected")), statement_in_scope(scope))
        .order_by(Statement.year, Statement.seq)
    ).all()
    accounts = _accounts(session, sorted({int(r[3]) for r in rows}))
    suspended = _accounts(session, sorted({int(r[3]) for r in rows}), "suspended")
    out: list[Payable] = []
    for sid, number, period, structure_id, name, total, status in rows:
        item = Payable(
            sid, number, period, structure_id, name, total, status, accounts.get(structure_id)
        )
        if item.account is None and structure_id in suspended:
            item.withheld = "bank_details_suspended"
            item.withheld_detail = bank_details.suspension_note(session, suspended[structure_id].id)
        elif item.account is None:
            item.withheld = "bank_details_not_validated"
        else:
            check = needs_second_approval(session, structure_id, now)
            item.approvers = _approvers(session, sid, item.account.id)
            if check.needed and len(item.approvers) < APPROVALS_NEEDED:
                item.withheld, item.changed_at = "second_approval_needed", check.changed_at
        out.append(item)
    return out


def approve(
    session: Session, actor: Actor, statement_id: int, *, scope: Scope | None = None
) -> int:
    """Record ``actor``'s approval of a withheld payment; returns the distinct approvers so far."""
    if actor.user_id is None:
        raise DomainError("forbidden")
    scope = scope if scope is not None else finance_scope(session, actor)
    item = next((p for p in ready(session, scope) if p.statement_id == statement_id), None)
    if item is None:
        raise DomainError("not_found", object="statement")
    return second_approval.record_approval(
        session,
        actor,
        ("statement", statement_id),
        withheld=item.withheld,
        account_id=item.account.id if item.account else None,
        approvers=item.approvers,
        organisation_id=item.structure_id,
    )


def _party(org: Organisation, account: BankAccount) -> sepa.Party:
    return sepa.Party(
        name=account.holder_name or org.name,
        iban=account.iban,
        bic=account.bic,
        street=org.street or "",
        building=org.street_number or "",
        postcode=org.postcode or "",
        town=org.town or "",
        country=org.country or "FR",
    )


def _attempt(session: Session, statement_id: int) -> int:
    done = session.scalar(
        select(func.count())
        .select_from(PaymentTransfer)
        .where(PaymentTransfer.statement_id == statement_id)
    )
    return int(done or 0) + 1


def create_run(
    session: Session,
    actor: Actor,
    *,
    debtor: sepa.Party,
    version: str,
    execution_date: date | None = None,
    scope: Scope | None = None,
) -> RunResult:
    """Build, validate and record one payment run (see the module docstring)."""
    if version not in finance.PAIN_VERSIONS:
        raise DomainError("invalid_sepa_version")
    scope = scope if scope is not None else finance_scope(session, actor)
    lock(session, "payment")
    now = utcnow()
    today = paris_date(now)
    if execution_date is None:
        execution = calendar.next_target2_business_day(today)
    else:
        execution = calendar.check_execution_date(execution_date, today)
    items = ready(session, scope, at=now)
    included = [p for p in items if p.withheld is None]
    withheld = [p for p in items if p.withheld is not None]
    owed = refunds.due(session, scope, at=now)
    paying = [r for r in owed if r.withheld is None]
    held = [r for r in owed if r.withheld is not None]
    if not included and not paying:
        audit.record(
            session,
            actor,
            "payment.run",
            None,
            outcome="nothing_ready",
            withheld=len(withheld) + len(held),
        )
        return RunResult(None, None, [], withheld, [], held)
    reference = f"PN{now:%Y%m%d%H%M%S}{secrets.token_hex(4).upper()}"
    plan: list[tuple[Payable, int, sepa.Transfer]] = []
    for p in included:
        assert p.account is not None
        org = session.get(Organisation, p.structure_id)
        assert org is not None
        attempt = _attempt(session, p.statement_id)
        plan.append(
            (
                p,
                attempt,
                sepa.Transfer(
                    finance.end_to_end_id(p.number, attempt),
                    p.total_cents,
                    _party(org, p.account),
                    finance.remittance(p.number, finance.Period.parse(p.period).label),
                ),
            )
        )
    refund_plan = refunds.plan(session, paying)
    xml = sepa.build(
        version,
        debtor,
        [t for _, _, t in plan] + [t for _, _, t in refund_plan],
        msg_id=reference,
        created_at=now,
        execution_date=execution,
    )
    run = PaymentRun(
        reference=reference,
        pain_version=version,
        execution_date=execution,
        created_at=now,
        created_by=actor.user_id,
        transfer_count=len(plan) + len(refund_plan),
        total_cents=sum(p.total_cents for p in included) + sum(r.total_cents for r in paying),
        file=xml,
        sha256=hashlib.sha256(xml).hexdigest(),
    )
    session.add(run)
    session.flush()
    for p, attempt, t in plan:
        _send(session, actor, run, p, attempt, t)
    for r, attempt, t in refund_plan:
        refunds.send(session, actor, run, r, attempt, t)
    faults.point("payrun.transfers_written")
    audit.record(
        session,
        actor,
        "payment.run",
        ("payment_run", run.id),
        transfers=len(plan) + len(refund_plan),
        total_cents=run.total_cents,
        version=version,
        withheld=len(withheld) + len(held),
    )
    return RunResult(run.id, reference, included, withheld, paying, held)


def _send(
    session: Session, actor: Actor, run: PaymentRun, p: Payable, attempt: int, t: sepa.Transfer
) -> None:
    assert p.account is not None
    entry = journal.post(
        session,
        "payment.send",
        ledger.move(
            p.total_cents, ledger.payable(p.structure_id), ledger.in_payment(p.structure_id)
        ),
        actor=actor,
        memo=f"relevé {p.number}",
    )
    session.add(
        PaymentTransfer(
            run_id=run.id,
            statement_id=p.statement_id,
            attempt=attempt,
            end_to_end_id=t.end_to_end_id,
            amount_cents=p.total_cents,
            creditor_name=t.creditor.name[:140],
            iban=p.account.iban,
            bic=p.account.bic,
            bank_account_id=p.account.id,
            status="sent",
            send_entry_id=entry,
        )
    )
    statement = session.get(Statement, p.statement_id)
    assert statement is not None and statement.status in ("open", "rejected")
    statement.status = "in_payment"
    session.flush()


def _visible(scope: Scope) -> Any:
    outside = (
        select(PaymentTransfer.run_id)
        .outerjoin(Statement, Statement.id == PaymentTransfer.statement_id)
        .outerjoin(CreditNote, CreditNote.id == PaymentTransfer.credit_note_id)
        .where(~refunds.transfer_in_scope(scope))
    )
    return PaymentRun.id.not_in(outside)


def runs(session: Session, scope: Scope, limit: int = 100) -> list[PaymentRun]:
    """Runs whose every statement is in scope, newest first."""
    return list(
        session.scalars(
            select(PaymentRun).where(_visible(scope)).order_by(PaymentRun.id.desc()).limit(limit)
        )
    )


def get_run(session: Session, scope: Scope, run_id: int) -> PaymentRun:
    found = session.scalars(
        select(PaymentRun).where(PaymentRun.id == run_id, _visible(scope))
    ).first()
    if found is None:
        raise DomainError("not_found", object="payment_run")
    return found


def transfers(
    session: Session, scope: Scope, *, run_id: int | None = None, status: str | None = None
) -> list[tuple[PaymentTransfer, str, str]]:
    """(transfer, statement number, structure name) in scope."""
    stmt = (
        select(PaymentTransfer, Statement.number, Organisation.name)
        .join(Statement, Statement.id == PaymentTransfer.statement_id)
        .join(Organisation, Organisation.id == Statement.structure_id)
        .where(statement_in_scope(scope))
        .order_by(PaymentTransfer.id)
    )
    if run_id is not None:
        stmt = stmt.where(PaymentTransfer.run_id == run_id)
    if status is not None:
        stmt = stmt.where(PaymentTransfer.status == status)
    return [(t, str(n), str(name)) for t, n, name in session.execute(stmt)]
