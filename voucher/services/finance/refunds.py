"""Refunds to funders are payments: a credit note's refund is owed to the funder until the
bank says it was paid.

Rules kept:

* issuing a credit note books the refund **owed** (``funder_funds`` -> ``refund_payable``);
  the credit note is ``owed``;
* a payment run takes the owed refunds in scope, one transfer each (EndToEndId
  ``RBT-AV-AAAA-NNNN-n``) to the funder's **current validated** bank details, with the
  same rules as a structure's: no validated details, suspended ones, or a funder without a
  structured postal address (the transfer's creditor must carry one) withhold it; a
  recent change of IBAN needs two different people's approval (:func:`approve`);
  sending moves ``refund_payable`` -> ``refund_in_payment`` and the note is ``in_payment``;
* the bank file settles it by EndToEndId like a structure's transfer (same matching, same
  repeat rules): paid ``refund_in_payment`` -> ``bank`` (note ``paid``); rejected
  ``refund_in_payment`` -> ``refund_payable`` and returned ``bank`` -> ``refund_payable``
  (note ``owed`` again: the next run pays it with a new EndToEndId); a return saying the
  account cannot be paid suspends the funder's bank details;
* ``voucher audit`` checks per funder that ``refund_payable + refund_in_payment`` equals
  minus the credit notes not yet paid.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from voucher.db.models import (
    BankAccount,
    CreditNote,
    Organisation,
    PaymentApproval,
    PaymentRun,
    PaymentTransfer,
    Programme,
    Statement,
)
from voucher.documents import sepa
from voucher.domain import bank, finance, ledger
from voucher.domain.calendar import utcnow
from voucher.domain.errors import DomainError
from voucher.services import audit
from voucher.services.access.programme_scope import Scope
from voucher.services.context import Actor
from voucher.services.finance import journal, second_approval
from voucher.services.finance.scope import finance_scope, statement_in_scope
from voucher.services.organisations import bank_details

APPROVALS_NEEDED = 2
#: a paid transfer can still come back (a return) for this long
RETURN_WINDOW = timedelta(days=120)


@dataclass
class RefundDue:
    credit_note_id: int
    number: str
    programme_name: str
    funder_id: int
    funder_name: str
    total_cents: int
    account: BankAccount | None
    withheld: str | None = None
    changed_at: datetime | None = None
    approvers: list[int] = field(default_factory=list)
    withheld_detail: str | None = None

    @property
    def withheld_fr(self) -> str:
        text = finance.WITHHELD_FR.get(self.withheld or "", "")
        return f"{text} ({self.withheld_detail})" if self.withheld_detail else text


def _last_paid(session: Session, funder_id: int) -> datetime | None:
    return session.scalar(
        select(func.max(PaymentTransfer.settled_at))
        .join(CreditNote, CreditNote.id == PaymentTransfer.credit_note_id)
        .where(CreditNote.funder_id == funder_id, PaymentTransfer.status == "paid")
    )


def _account(session: Session, funder_id: int, status: str) -> BankAccount | None:
    return session.scalars(
        select(BankAccount)
        .where(BankAccount.organisation_id == funder_id, BankAccount.status == status)
        .order_by(BankAccount.id)
    ).first()


def due(session: Session, scope: Scope, *, at: datetime | None = None) -> list[RefundDue]:
    """Refunds owed to funders, each marked with why it would be withheld (if so)."""
    now = at or utcnow()
    rows = session.execute(
        select(CreditNote, Programme.name, Organisation)
        .join(Programme, Programme.id == CreditNote.programme_id)
        .join(Organisation, Organisation.id == CreditNote.funder_id)
        .where(CreditNote.refund_status == "owed", scope.where(CreditNote.programme_id))
        .order_by(CreditNote.year, CreditNote.seq)
    ).all()
    out: list[RefundDue] = []
    for note, programme, funder in rows:
        item = RefundDue(
            note.id,
            note.number,
            str(programme),
            note.funder_id,
            funder.name,
            note.amount_cents,
            _account(session, note.funder_id, "validated"),
        )
        suspended = _account(session, note.funder_id, "suspended")
        if item.account is None and suspended is not None:
            item.withheld = "bank_details_suspended"
            item.withheld_detail = bank_details.suspension_note(session, suspended.id)
        elif item.account is None:
            item.withheld = "bank_details_not_validated"
        elif not finance.address_complete(
            funder.street, funder.postcode, funder.town, funder.country
        ):
            item.withheld = "address_incomplete"
        else:
            check = second_approval.needs_second_approval(
                session, note.funder_id, now, since=_last_paid(session, note.funder_id)
            )
            item.approvers = sorted(
                int(u)
                for u in session.scalars(
                    select(PaymentApproval.user_id).where(
                        PaymentApproval.credit_note_id == note.id,
                        PaymentApproval.bank_account_id == item.account.id,
                    )
                )
            )
            if check.needed and len(item.approvers) < APPROVALS_NEEDED:
                item.withheld, item.changed_at = "second_approval_needed", check.changed_at
        out.append(item)
    return out


def approve(
    session: Session, actor: Actor, credit_note_id: int, *, scope: Scope | None = None
) -> int:
    """Record ``actor``'s approval of a withheld refund; returns the distinct approvers."""
    if actor.user_id is None:
        raise DomainError("forbidden")
    scope = scope if scope is not None else finance_scope(session, actor)
    item = next((r for r in due(session, scope) if r.credit_note_id == credit_note_id), None)
    if item is None:
        raise DomainError("not_found", object="credit_note")
    return second_approval.record_approval(
        session,
        actor,
        ("credit_note", credit_note_id),
        withheld=item.withheld,
        account_id=item.account.id if item.account else None,
        approvers=item.approvers,
        organisation_id=item.funder_id,
    )


def plan(session: Session, items: list[RefundDue]) -> list[tuple[RefundDue, int, sepa.Transfer]]:
    """The SEPA transfer of each refund ready (attempt = previous transfers + 1)."""
    out = []
    for r in items:
        assert r.account is not None
        org = session.get(Organisation, r.funder_id)
        assert org is not None
        attempt = 1 + int(
            session.scalar(
                select(func.count())
                .select_from(PaymentTransfer)
                .where(PaymentTransfer.credit_note_id == r.credit_note_id)
            )
            or 0
        )
        party = sepa.Party(
            name=r.account.holder_name or org.name,
            iban=r.account.iban,
            bic=r.account.bic,
            street=org.street or "",
            building=org.street_number or "",
            postcode=org.postcode or "",
            town=org.town or "",
            country=org.country or "FR",
        )
        out.append(
            (
                r,
                attempt,
                sepa.Transfer(
                    finance.refund_end_to_end_id(r.number, attempt),
                    r.total_cents,
                    party,
                    finance.refund_remittance(r.number, r.programme_name),
                ),
            )
        )
    return out


def send(
    session: Session, actor: Actor, run: PaymentRun, r: RefundDue, attempt: int, t: sepa.Transfer
) -> None:
    assert r.account is not None
    entry = journal.post(
        session,
        "refund.send",
        ledger.move(
            r.total_cents, ledger.refund_payable(r.funder_id), ledger.refund_in_payment(r.funder_id)
        ),
        actor=actor,
        memo=f"avoir {r.number}",
    )
    session.add(
        PaymentTransfer(
            run_id=run.id,
            credit_note_id=r.credit_note_id,
            attempt=attempt,
            end_to_end_id=t.end_to_end_id,
            amount_cents=r.total_cents,
            creditor_name=t.creditor.name[:140],
            iban=r.account.iban,
            bic=r.account.bic,
            bank_account_id=r.account.id,
            status="sent",
            send_entry_id=entry,
        )
    )
    note = session.get(CreditNote, r.credit_note_id)
    assert note is not None and note.refund_status == "owed"
    note.refund_status = "in_payment"
    session.flush()


def transfer_in_scope(scope: Scope) -> Any:
    """SQL condition on a transfer outer-joined to its statement and its credit note."""
    return or_(
        (PaymentTransfer.statement_id.isnot(None)) & statement_in_scope(scope),
        (PaymentTransfer.credit_note_id.isnot(None)) & scope.where(CreditNote.programme_id),
    )


def open_transfers(session: Session, scope: Scope) -> list[bank.OpenTransfer]:
    """Transfers a bank line may settle: sent, or paid within the return window."""
    rows = session.execute(
        select(
            PaymentTransfer.id,
            PaymentTransfer.end_to_end_id,
            PaymentTransfer.amount_cents,
            PaymentTransfer.iban,
            PaymentRun.execution_date,
            PaymentTransfer.status,
        )
        .join(PaymentRun, PaymentRun.id == PaymentTransfer.run_id)
        .outerjoin(Statement, Statement.id == PaymentTransfer.statement_id)
        .outerjoin(CreditNote, CreditNote.id == PaymentTransfer.credit_note_id)
        .where(
            (PaymentTransfer.status == "sent")
            | (
                (PaymentTransfer.status == "paid")
                & (PaymentTransfer.settled_at > utcnow() - RETURN_WINDOW)
            ),
            transfer_in_scope(scope),
        )
    )
    return [bank.OpenTransfer(int(i), e, int(a), iban, d, s) for i, e, a, iban, d, s in rows]


def numbers(session: Session, transfer_ids: list[int], scope: Scope) -> dict[int, str]:
    """What each transfer pays: its statement number or its credit note number."""
    if not transfer_ids:
        return {}
    return {
        int(t): str(s or c)
        for t, s, c in session.execute(
            select(PaymentTransfer.id, Statement.number, CreditNote.number)
            .outerjoin(Statement, Statement.id == PaymentTransfer.statement_id)
            .outerjoin(CreditNote, CreditNote.id == PaymentTransfer.credit_note_id)
            .where(PaymentTransfer.id.in_(transfer_ids), transfer_in_scope(scope))
        )
    }


def settle(
    session: Session,
    actor: Actor,
    transfer: PaymentTransfer,
    outcome: str,
    reason: str | None,
    import_id: int | None,
    *,
    booked: str | None = None,
) -> bool:
    """The bank's answer for a refund (``transfer`` locked, in the state ``outcome`` expects)."""
    note = session.get(CreditNote, transfer.credit_note_id, populate_existing=True)
    assert note is not None
    f, amount = note.funder_id, transfer.amount_cents
    moves = {
        "paid": (ledger.refund_in_payment(f), ledger.bank()),
        "rejected": (ledger.refund_in_payment(f), ledger.refund_payable(f)),
        "returned": (ledger.bank(), ledger.refund_payable(f)),
    }[outcome]
    kind = {"paid": "refund.settle", "rejected": "refund.reject", "returned": "refund.return"}[
        outcome
    ]
    now = utcnow()
    entry = journal.post(
        session,
        kind,
        ledger.move(amount, *moves),
        actor=actor,
        memo=f"avoir {note.number}",
        at=bank.booking_moment(date.fromisoformat(booked) if booked else None, now),
    )
    note.refund_status = "paid" if outcome == "paid" else "owed"
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
        organisation_id=f,
        credit_note=note.number,
        amount_cents=amount,
        reason=reason,
        bank_import_id=import_id,
    )
    return True


def transfers(
    session: Session, scope: Scope, *, run_id: int | None = None, status: str | None = None
) -> list[tuple[PaymentTransfer, str, str]]:
    """(transfer, credit note number, funder name) of refunds in scope."""
    stmt = (
        select(PaymentTransfer, CreditNote.number, Organisation.name)
        .join(CreditNote, CreditNote.id == PaymentTransfer.credit_note_id)
        .join(Organisation, Organisation.id == CreditNote.funder_id)
        .where(scope.where(CreditNote.programme_id))
        .order_by(PaymentTransfer.id)
    )
    if run_id is not None:
        stmt = stmt.where(PaymentTransfer.run_id == run_id)
    if status is not None:
        stmt = stmt.where(PaymentTransfer.status == status)
    return [(t, str(n), str(name)) for t, n, name in session.execute(stmt)]


def owed_per_funder(session: Session) -> dict[int, int]:
    """What the books should hold per funder: minus the credit notes not yet paid."""
    out: dict[int, int] = defaultdict(int)
    for funder, amount in session.execute(
        select(CreditNote.funder_id, func.sum(CreditNote.amount_cents))
        .where(CreditNote.refund_status != "paid")
        .group_by(CreditNote.funder_id)
    ):
        out[int(funder)] -= int(amount)
    return dict(out)
