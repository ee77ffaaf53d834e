"""Fraud rule ``recent_iban_change``: a payment that needs a second person's approval.

Rules kept:

* a change is a ``replaced`` event in ``bank_account_event`` (new bank details replaced old
  ones; a structure's first IBAN is no change);
* a payment at ``at`` needs a second approval when such a change happened within the rule's
  ``days`` before it, or since ``since`` (the structure's last confirmed payment) when that
  is earlier; :func:`voucher.services.finance.payments.needs_second_approval` asks it so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from voucher.db.models import BankAccount, BankAccountEvent, PaymentApproval
from voucher.domain import fraud
from voucher.domain.calendar import utcnow
from voucher.domain.errors import DomainError
from voucher.services import audit
from voucher.services.context import Actor


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


def record_approval(
    session: Session,
    actor: Actor,
    subject: tuple[str, int],
    *,
    withheld: str | None,
    account_id: int | None,
    approvers: list[int],
    organisation_id: int,
) -> int:
    """Record ``actor``'s approval of a payment withheld for a second approval (a
    structure's statement or a funder's refund, ``subject`` = ``("statement", id)`` or
    ``("credit_note", id)``), refused unless one is needed and ``actor`` has not given it;
    returns the distinct approvers so far."""
    if withheld != "second_approval_needed" or account_id is None:
        raise DomainError("approval_not_needed")
    if actor.user_id in approvers:
        raise DomainError("second_approval_same_person")
    kind, subject_id = subject
    session.add(
        PaymentApproval(
            **{f"{kind}_id": subject_id},
            bank_account_id=account_id,
            user_id=actor.user_id,
            at=utcnow(),
        )
    )
    session.flush()
    audit.record(
        session,
        actor,
        "payment.approve",
        subject,
        organisation_id=organisation_id,
        bank_account_id=account_id,
        approvals=len(approvers) + 1,
    )
    return len(approvers) + 1
