"""Bank settlement: the bank's camt.053/054 answer, or a person's confirmation, settles
each transfer.

Rules kept:

* a file is read and matched **before** anything is written; a refused file changes
  nothing; the same file (same SHA-256) is recorded once and applied once;
* matching (pure, :func:`voucher.domain.finance.match_lines`) proposes, a person applies:
  importing stores the proposals (``pending``), applying settles them; a transfer that
  moved in between is skipped, never settled twice;
* paid: ``in_payment`` -> ``bank``, the statement is ``paid`` and **exactly its vouchers**
  go ``redeemed`` -> ``reimbursed`` (so ``payable + in_payment`` keeps matching the vouchers
  still redeemed); rejected by the bank: ``in_payment`` -> ``payable``, the statement is
  ``rejected`` and reported (a later run pays it again with a new EndToEndId); returned
  after being paid: ``bank`` -> ``payable`` and its vouchers back to ``redeemed``; a return
  saying the account cannot be paid (AC04 closed, AC01 wrong IBAN, MD07 deceased…)
  suspends the bank details it was sent to, until new details are validated;
* unmatched lines are listed, never guessed; only transfers in the actor's scope match;
* each booked line is recorded once by the bank's reference (:mod:`.movements`): a line
  reported again (camt.054 then camt.053, or twice in a file) is a *repeat* and changes
  nothing; an EndToEndId of ours never falls back to amount matching, and an amount match
  never reopens a settled transfer (:mod:`voucher.domain.bank`).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlalchemy.orm import Session

from voucher.db import dialect
from voucher.db.models import (
    BankImport,
    CreditNote,
    PaymentTransfer,
    Redemption,
    Statement,
    Voucher,
)
from voucher.documents import camt
from voucher.domain import bank, finance, ledger, states
from voucher.domain.calendar import utcnow
from voucher.domain.errors import DomainError
from voucher.domain.states import VoucherState as S
from voucher.services import audit
from voucher.services.access.programme_scope import Scope
from voucher.services.context import Actor
from voucher.services.finance import journal, movements, refunds, settings
from voucher.services.finance.numbering import lock
from voucher.services.finance.scope import finance_scope
from voucher.services.organisations import bank_details
from voucher.services.webhooks import events

SETTLING = ("paid", "rejected", "returned")
RETURN_WINDOW = refunds.RETURN_WINDOW
EXPECTED = {"paid": "sent", "rejected": "sent", "returned": "paid"}


@dataclass
class Applied:
    paid: list[str] = field(default_factory=list)
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (statement number, reason)
    returned: list[tuple[str, str]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    repeats: list[str] = field(default_factory=list)  # bank references received before
    unmatched: list[dict[str, Any]] = field(default_factory=list)


def import_file(
    session: Session,
    actor: Actor,
    data: bytes,
    filename: str,
    *,
    scope: Scope | None = None,
    own_iban: str | None = None,
) -> BankImport:
    """Read and match a camt file; store the proposals (idempotent per file content).
    A file reporting on any account but the operator's (``own_iban``, by default the
    configured debtor's) is refused and changes nothing."""
    bank_file = camt.read(data)
    own = (own_iban or settings.debtor().iban).replace(" ", "").upper()
    others = sorted({a for a in bank_file.accounts if a != own})
    if others:
        raise DomainError(
            "bank_file_other_account", account="…" + (others[0][-4:] or "?"), expected=own[-4:]
        )
    digest = hashlib.sha256(data).hexdigest()
    lock(session, "bank")
    existing = session.scalars(select(BankImport).where(BankImport.sha256 == digest)).first()
    if existing is not None:
        return existing
    scope = scope if scope is not None else finance_scope(session, actor)
    account = own
    transfers = refunds.open_transfers(session, scope)
    matches = finance.match_lines(
        bank_file.lines,
        transfers,
        known=movements.known_ids(session),
        seen=movements.seen(session, account),
        originals=movements.originals(session, account),
    )
    numbers = refunds.numbers(session, [m.transfer_id for m in matches if m.transfer_id], scope)
    stated = [b for b in bank_file.balances if b.closing is not None]
    imp = BankImport(
        account_iban=account[:34] or None,
        statement_ref=(stated[-1].number or "")[:35] or None if stated else None,
        opening_cents=stated[0].opening if stated else None,
        closing_cents=stated[-1].closing if stated else None,
        closing_date=stated[-1].closing_date if stated else None,
        sha256=digest,
        filename=(filename or "relevé")[:200],
        kind=bank_file.kind,
        status="pending",
        lines=[movements.row_of(m, numbers) for m in matches],
        created_at=utcnow(),
        created_by=actor.user_id,
    )
    session.add(imp)
    session.flush()
    audit.record(
        session,
        actor,
        "bank.import",
        ("bank_import", imp.id),
        kind=bank_file.kind,
        lines=len(matches),
        matched=sum(m.outcome in SETTLING for m in matches),
    )
    return imp


def apply_import(
    session: Session, actor: Actor, import_id: int, *, scope: Scope | None = None
) -> Applied:
    lock(session, "bank")
    scope = scope if scope is not None else finance_scope(session, actor)
    imp = session.get(BankImport, import_id, populate_existing=True)
    if imp is None or (not scope.everything and imp.created_by != actor.user_id):
        raise DomainError("not_found", object="bank_import")
    if imp.status == "applied":
        raise DomainError("import_already_applied")
    visible = {t.id for t in refunds.open_transfers(session, scope)}
    done = Applied()
    account = imp.account_iban or ""
    for row in imp.lines:
        outcome, tid = row["outcome"], row["transfer_id"]
        if outcome == "repeat" or movements.already(session, account, row.get("reference")):
            done.repeats.append(row.get("reference") or "?")
            continue
        done_as = _apply_row(session, actor, imp.id, row, visible, done)
        if row.get("recordable"):
            movements.record(session, imp, row, done_as, tid if done_as != "unmatched" else None)
    imp.status, imp.applied_at, imp.applied_by = "applied", utcnow(), actor.user_id
    session.flush()
    audit.record(
        session,
        actor,
        "bank.apply",
        ("bank_import", imp.id),
        paid=len(done.paid),
        rejected=len(done.rejected),
        returned=len(done.returned),
        repeats=len(done.repeats),
        unmatched=len(done.unmatched),
    )
    return done


def _apply_row(
    session: Session,
    actor: Actor,
    import_id: int,
    row: dict[str, Any],
    visible: set[int],
    done: Applied,
) -> str:
    """Settle one stored proposal; what the line did (``skipped`` if its transfer moved)."""
    outcome, tid = row["outcome"], row["transfer_id"]
    if outcome not in SETTLING:
        if outcome == "unmatched":
            done.unmatched.append(row)
        return str(outcome)
    if tid not in visible or not _settle(
        session,
        actor,
        tid,
        outcome,
        row.get("return_reason"),
        import_id,
        booked=row.get("booking_date"),
    ):
        done.skipped.append(row["statement"] or "?")
        return "skipped"
    _note(done, outcome, row)
    return str(outcome)


def _note(done: Applied, outcome: str, row: dict[str, Any]) -> None:
    if outcome == "paid":
        done.paid.append(row["statement"])
    else:
        target = done.rejected if outcome == "rejected" else done.returned
        target.append((row["statement"], finance.reason_fr(row.get("return_reason"))))


def confirm(
    session: Session,
    actor: Actor,
    transfer_id: int,
    outcome: str,
    *,
    reason: str | None = None,
    scope: Scope | None = None,
) -> PaymentTransfer:
    """A person settles one transfer by hand (``paid`` or ``rejected``)."""
    if outcome not in ("paid", "rejected"):
        raise DomainError("invalid_value", field="outcome")
    scope = scope if scope is not None else finance_scope(session, actor)
    lock(session, "bank")
    row = session.execute(
        select(PaymentTransfer.id)
        .outerjoin(Statement, Statement.id == PaymentTransfer.statement_id)
        .outerjoin(CreditNote, CreditNote.id == PaymentTransfer.credit_note_id)
        .where(PaymentTransfer.id == transfer_id, refunds.transfer_in_scope(scope))
    ).first()
    if row is None:
        raise DomainError("not_found", object="payment_transfer")
    if not _settle(
        session, actor, transfer_id, outcome, (reason or "").strip()[:200] or None, None
    ):
        raise DomainError("transfer_already_settled")
    found = session.get(PaymentTransfer, transfer_id)
    assert found is not None
    return found


def _locked(session: Session, model: Any, object_id: int) -> Any:
    stmt = select(model).where(model.id == object_id).execution_options(populate_existing=True)
    return session.scalars(dialect.for_update(stmt, session)).first()


def _vouchers(session: Session, statement: Statement, before: str, after: str) -> None:
    ids = select(Redemption.voucher_id).where(
        Redemption.statement_id == statement.id, Redemption.status == "accepted"
    )
    moved = cast(
        CursorResult[Any],
        session.execute(
            update(Voucher)
            .where(Voucher.id.in_(ids), Voucher.state.in_(states.check_move([before], after)))
            .values(state=after, updated_at=utcnow())
            .execution_options(synchronize_session=False)
        ),
    )
    if moved.rowcount != statement.line_count:
        raise DomainError("ledger_invariant_broken", statement=statement.number)


def _settle(
    session: Session,
    actor: Actor,
    transfer_id: int,
    outcome: str,
    reason: str | None,
    import_id: int | None,
    *,
    booked: str | None = None,
) -> bool:
    """Apply one outcome if the transfer is still in the expected state; False otherwise.
    The entry is dated on the bank's booking day (``booked``, ISO) when the bank gave it."""
    transfer: PaymentTransfer = _locked(session, PaymentTransfer, transfer_id)
    if transfer is None or transfer.status != EXPECTED[outcome]:
        return False
    if transfer.credit_note_id is not None:  # a funder's refund
        return refunds.settle(session, actor, transfer, outcome, reason, import_id, booked=booked)
    statement: Statement = _locked(session, Statement, int(transfer.statement_id or 0))
    s, amount = statement.structure_id, transfer.amount_cents
    moves = {
        "paid": (ledger.in_payment(s), ledger.bank()),
        "rejected": (ledger.in_payment(s), ledger.payable(s)),
        "returned": (ledger.bank(), ledger.payable(s)),
    }[outcome]
    kind = {"paid": "payment.settle", "rejected": "payment.reject", "returned": "payment.return"}[
        outcome
    ]
    now = utcnow()
    entry = journal.post(
        session,
        kind,
        ledger.move(amount, *moves),
        actor=actor,
        memo=f"relevé {statement.number}",
        at=bank.booking_moment(date.fromisoformat(booked) if booked else None, now),
    )
    if outcome == "paid":
        _vouchers(session, statement, S.REDEEMED, S.REIMBURSED)
        statement.status, statement.paid_at = "paid", now
    else:
        if outcome == "returned":
            _vouchers(session, statement, S.REIMBURSED, S.REDEEMED)
        statement.status, statement.paid_at = "rejected", None
    transfer.status, transfer.settled_at, transfer.settled_by = outcome, now, actor.user_id
    transfer.settle_entry_id, transfer.bank_import_id = entry, import_id
    transfer.reason = reason if outcome != "paid" else None
    session.flush()
    if outcome != "paid":
        bank_details.suspend_after_return(
            session, actor, transfer.bank_account_id, transfer.end_to_end_id, reason
        )
    audit.record(
        session,
        actor,
        kind,
        ("payment_transfer", transfer.id),
        organisation_id=s,
        statement=statement.number,
        amount_cents=amount,
        reason=reason,
        bank_import_id=import_id,
    )
    events.emit(
        session,
        "transfer.paid" if outcome == "paid" else "transfer.rejected",
        {
            "transfer_id": transfer.id,
            "statement": statement.number,
            "structure_id": s,
            "amount_cents": amount,
            "outcome": outcome,
            "reason": transfer.reason,
        },
        [s],
    )
    return True


def imports(session: Session, actor: Actor, scope: Scope, limit: int = 50) -> list[BankImport]:
    """Bank files hold every line of the operator's account: finance staff of a funder see
    only the files they imported themselves."""
    stmt = select(BankImport).order_by(BankImport.id.desc()).limit(limit)
    if not scope.everything:
        stmt = stmt.where(BankImport.created_by == actor.user_id)
    return list(session.scalars(stmt))


def get_import(session: Session, actor: Actor, scope: Scope, import_id: int) -> BankImport:
    found = session.get(BankImport, import_id)
    if found is None or (not scope.everything and found.created_by != actor.user_id):
        raise DomainError("not_found", object="bank_import")
    return found
