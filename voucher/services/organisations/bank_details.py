"""A structure's bank details (where its statements are paid).

Rules kept: new details start ``pending`` and the previous pending, validated or suspended
ones become ``replaced``; details the bank refused (a return such as AC04 "account closed")
are ``suspended`` until new details are entered and validated; every status is kept in the history (a recent change is a fraud signal). Four
eyes: the details are validated or rejected by someone other than the person who entered
them, and only while pending. Every change is audited (the IBAN by its last four
characters).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from voucher.db.models import BankAccount, BankAccountEvent
from voucher.domain import bank, identity
from voucher.domain.calendar import utcnow
from voucher.domain.errors import DomainError
from voucher.services import audit
from voucher.services.context import Actor


def set_bank_details(
    session: Session,
    actor: Actor,
    organisation_id: int,
    *,
    holder_name: str,
    iban: str,
    bic: str | None = None,
) -> BankAccount:
    """New bank details start ``pending``; the previous ones become ``replaced``. Both
    changes are kept in the status history (a recent change is a fraud signal)."""
    clean_iban = identity.iban(iban)
    clean_bic = identity.bic(bic) if bic else identity.bic_from_iban(clean_iban)
    now = utcnow()
    old = session.scalars(
        select(BankAccount).where(
            BankAccount.organisation_id == organisation_id,
            BankAccount.status.in_(("pending", "validated", "suspended")),
        )
    ).all()
    for acc in old:
        acc.status = "replaced"
        session.add(
            BankAccountEvent(
                bank_account_id=acc.id, status="replaced", at=now, actor_user_id=actor.user_id
            )
        )
    account = BankAccount(
        organisation_id=organisation_id,
        holder_name=holder_name,
        iban=clean_iban,
        bic=clean_bic,
        status="pending",
        created_at=now,
    )
    session.add(account)
    session.flush()
    session.add(
        BankAccountEvent(
            bank_account_id=account.id, status="pending", at=now, actor_user_id=actor.user_id
        )
    )
    audit.record(
        session,
        actor,
        "bank_account.set",
        ("organisation", organisation_id),
        iban_tail=clean_iban[-4:],
        replaced=len(old),
    )
    return account


def entered_by(session: Session, bank_account_id: int) -> int | None:
    """The user who entered these details (None: the system or the command line)."""
    return session.scalar(
        select(BankAccountEvent.actor_user_id)
        .where(
            BankAccountEvent.bank_account_id == bank_account_id,
            BankAccountEvent.status == "pending",
        )
        .order_by(BankAccountEvent.id)
        .limit(1)
    )


def decide_bank_details(
    session: Session, actor: Actor, bank_account_id: int, *, validate: bool, note: str | None = None
) -> BankAccount:
    """Validate or reject pending details; never by the person who entered them."""
    author = entered_by(session, bank_account_id)
    if author is not None and author == actor.user_id:
        raise DomainError("same_person_bank")
    account = session.get(BankAccount, bank_account_id)
    if account is None or account.status != "pending":
        raise DomainError("not_found")
    now = utcnow()
    account.status = "validated" if validate else "rejected"
    account.validated_at = now if validate else None
    session.add(
        BankAccountEvent(
            bank_account_id=account.id,
            status=account.status,
            at=now,
            actor_user_id=actor.user_id,
            note=note,
        )
    )
    audit.record(
        session,
        actor,
        f"bank_account.{account.status}",
        ("organisation", account.organisation_id),
        bank_account_id=account.id,
    )
    return account


def suspend_after_return(
    session: Session, actor: Actor, bank_account_id: int, end_to_end_id: str, reason: str | None
) -> bool:
    """A transfer (a structure's or a funder's refund) came back: its bank details are
    suspended when the reason says the account cannot be paid (``bank.SUSPENDING_REASONS``)."""
    code = (reason or "").upper()
    if code not in bank.SUSPENDING_REASONS:
        return False
    note = f"{bank.reason_fr(reason)} — virement {end_to_end_id}"
    return suspend(session, actor, bank_account_id, reason=code, note=note)


def suspend(
    session: Session, actor: Actor, bank_account_id: int, *, reason: str, note: str
) -> bool:
    """The bank sent a transfer back for a reason that says the account cannot be paid
    (closed, wrong IBAN, holder deceased…): its details are no longer used until new ones
    are validated by two people. False if they were no longer the current validated ones."""
    account = session.get(BankAccount, bank_account_id)
    if account is None or account.status != "validated":
        return False
    account.status = "suspended"
    session.add(
        BankAccountEvent(
            bank_account_id=account.id,
            status="suspended",
            at=utcnow(),
            actor_user_id=actor.user_id,
            note=note[:500],
        )
    )
    audit.record(
        session,
        actor,
        "bank_account.suspended",
        ("organisation", account.organisation_id),
        bank_account_id=account.id,
        reason=reason,
    )
    return True


def suspension_note(session: Session, bank_account_id: int) -> str | None:
    """Why these details were suspended (the bank's return), if they were."""
    return session.scalar(
        select(BankAccountEvent.note)
        .where(
            BankAccountEvent.bank_account_id == bank_account_id,
            BankAccountEvent.status == "suspended",
        )
        .order_by(BankAccountEvent.id.desc())
        .limit(1)
    )
