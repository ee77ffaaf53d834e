"""Posting entries to the journal: the only writer of ``journal_entry``, ``posting`` and
account balances. Accounts are created on first use; balances are updated in account id
order so that concurrent transactions never deadlock on them."""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from voucher.db.models import Account, JournalEntry, Posting
from voucher.domain import ledger
from voucher.domain.calendar import utcnow
from voucher.services.context import Actor


def account_ids(session: Session, codes: Sequence[str]) -> dict[str, int]:
    wanted = sorted(set(codes))
    found = dict(session.execute(select(Account.code, Account.id).where(Account.code.in_(wanted))).all())
    missing = [c for c in wanted if c not in found]
    if missing:
        dialect_insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
        rows = [{"code": c, "kind": ledger.kind_of(c), "balance": 0} for c in missing]
        session.execute(dialect_insert(Account).values(rows).on_conflict_do_nothing(index_elements=["code"]))
        found.update(session.execute(
            select(Account.code, Account.id).where(Account.code.in_(missing))).all())
    return found


def post(session: Session, kind: str, postings: Sequence[ledger.Posting], *,
         actor: Actor | None = None, memo: str | None = None, at: datetime | None = None) -> int:
    """Write one balanced entry; returns its id. Raises ``unbalanced_entry`` before writing."""
    lines = ledger.balanced(postings)
    ids = account_ids(session, [p.account for p in lines])
    at = at or utcnow()
    ref = secrets.token_hex(16)
    digest = ledger.entry_hash(ref, kind, at.isoformat(), [(p.account, p.amount) for p in lines])
    entry_id = session.execute(insert(JournalEntry).values(
        ref=ref, kind=kind, at=at, posting_count=len(lines), hash=digest, memo=memo,
        actor_user_id=actor.user_id if actor else None,
    ).returning(JournalEntry.id)).scalar_one()
    session.execute(insert(Posting), [
        {"entry_id": entry_id, "account_id": ids[p.account], "amount": p.amount} for p in lines])
    for p in sorted(lines, key=lambda p: ids[p.account]):
        session.execute(update(Account).where(Account.id == ids[p.account])
                        .values(balance=Account.balance + p.amount))
    return entry_id


def balance(session: Session, code: str) -> int:
    return session.execute(select(Account.balance).where(Account.code == code)).scalar() or 0


def balances_like(session: Session, prefix: str) -> int:
    from sqlalchemy import func

    return int(session.execute(select(func.coalesce(func.sum(Account.balance), 0))
                               .where(Account.code.like(prefix + "%"))).scalar_one())
