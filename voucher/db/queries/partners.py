"""Read-side queries for the partners pages of the funder's desk: the directory of
prescribers and structures, and the status history of an organisation's bank details."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from voucher.db.models import BankAccount, BankAccountEvent, Organisation, User

BankEvent = tuple[str, datetime, str | None, str | None]  # status, at, who, note


def directory(session: Session, search: str = "", limit: int = 500) -> list[Organisation]:
    stmt = select(Organisation).where(or_(Organisation.is_prescriber, Organisation.is_structure))
    if search:
        escaped = search.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        stmt = stmt.where(Organisation.name.ilike(f"%{escaped}%", escape="\\"))
    return list(session.scalars(stmt.order_by(Organisation.name).limit(limit)))


def bank_history(session: Session, org_id: int) -> list[tuple[BankAccount, list[BankEvent]]]:
    accounts = list(
        session.scalars(
            select(BankAccount)
            .where(BankAccount.organisation_id == org_id)
            .order_by(BankAccount.id.desc())
        )
    )
    out = []
    for acc in accounts:
        events = session.execute(
            select(BankAccountEvent.status, BankAccountEvent.at, User.name, BankAccountEvent.note)
            .outerjoin(User, User.id == BankAccountEvent.actor_user_id)
            .where(BankAccountEvent.bank_account_id == acc.id)
            .order_by(BankAccountEvent.id)
        ).all()
        out.append((acc, [(str(s), a, str(n) if n else None, note) for s, a, n, note in events]))
    return out
