"""Posting entries to the journal: the only writer of ``journal_entry``, ``posting`` and
account balances, with one exception kept in step with it: a redemption writes its entry,
postings and balances inside its own single write statement
(:mod:`voucher.services.redemption.scan_write`), from :func:`entry_fields` and
:func:`defer` here, the same lines (:func:`voucher.domain.ledger.balanced`), the same hash,
the same code-ordered balance locks.

An account's balance is its row's ``balance`` (the main part, moved here) plus its parts
(``account_part``: on PostgreSQL, single scans and offline batches move the part of their
server backend, so that scans on a shared account do not queue on one row); :func:`balance` and
:func:`balances` read that sum, and so does ``voucher audit``.

Accounts are created on first use (``INSERT ... ON CONFLICT DO NOTHING``). Balances are
moved in account-code order so that concurrent transactions never deadlock on them, and
hot paths move them last (:func:`write_entry` then :func:`move_balances`) so the shared
account rows are locked only for the very end of the transaction. Statements are built
once and run on the session's connection.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import cast

from sqlalchemy import Table, bindparam, func, insert, select, text, update
from sqlalchemy.orm import Session

from voucher.db import dialect
from voucher.db.models import Account, AccountPart, JournalEntry, Posting
from voucher.db.models.ledger import ADD_TO_PART, THIS_PART
from voucher.domain import ledger
from voucher.domain.calendar import utcnow
from voucher.services.context import Actor

ACCOUNTS = cast(Table, Account.__table__)
ENTRIES = cast(Table, JournalEntry.__table__)
POSTINGS = cast(Table, Posting.__table__)
PARTS = cast(Table, AccountPart.__table__)
#: the sum of an account's parts (0 without any), correlated to ``account``
PARTS_SUM = (
    select(func.coalesce(func.sum(PARTS.c.balance), 0))
    .where(PARTS.c.account_id == ACCOUNTS.c.id)
    .scalar_subquery()
)
#: an account's balance: its main part plus its parts
BALANCE = (ACCOUNTS.c.balance + PARTS_SUM).label("balance")

_MOVE_BALANCE = (
    update(ACCOUNTS)
    .where(ACCOUNTS.c.code == bindparam("acc"))
    .values(balance=ACCOUNTS.c.balance + bindparam("delta"))
    .returning(ACCOUNTS.c.id)
)
#: PostgreSQL: the delta into this backend's part of the account (as a single scan does)
_MOVE_PART = text(
    "INSERT INTO account_part (account_id, part, balance) "  # noqa: S608 (the model's constants)
    f"SELECT id, {THIS_PART}, :delta FROM account WHERE code = :acc {ADD_TO_PART} "
    "RETURNING account_id"
)
_NEW_ENTRY = insert(ENTRIES).returning(ENTRIES.c.id)
_NEW_POSTING = insert(POSTINGS)


def _create_accounts(session: Session, codes: Sequence[str]) -> None:
    rows = [{"code": c, "kind": ledger.kind_of(c), "balance": 0} for c in sorted(set(codes))]
    session.connection().execute(
        dialect.insert(ACCOUNTS, session)
        .values(rows)
        .on_conflict_do_nothing(index_elements=["code"])
    )


_IDS = select(ACCOUNTS.c.code, ACCOUNTS.c.id).where(
    ACCOUNTS.c.code.in_(bindparam("codes", expanding=True))
)


def account_ids(session: Session, codes: Sequence[str]) -> dict[str, int]:
    """Ids of accounts by code, creating the missing ones (no lock taken)."""
    wanted = sorted(set(codes))
    conn = session.connection()
    found = dict(conn.execute(_IDS, {"codes": wanted}).all())
    if len(found) < len(wanted):
        _create_accounts(session, [c for c in wanted if c not in found])
        found = dict(conn.execute(_IDS, {"codes": wanted}).all())
    return {str(k): int(v) for k, v in found.items()}


def write_entry(
    session: Session,
    kind: str,
    postings: Sequence[ledger.Posting],
    *,
    actor: Actor | None = None,
    memo: str | None = None,
    at: datetime | None = None,
) -> tuple[int, list[ledger.Posting]]:
    """Write the entry and its postings, without touching balances yet. The caller must
    call :func:`move_balances` with the returned lines before its transaction ends (the
    audit finds any entry whose balances were not moved). Hot paths do this last, so the
    account rows stay locked only for the end of the transaction."""
    lines = ledger.balanced(postings)  # sorted by account code
    ids = account_ids(session, [p.account for p in lines])
    fields = entry_fields(kind, lines, at or utcnow(), actor)
    fields["memo"] = memo
    conn = session.connection()
    entry_id = int(conn.execute(_NEW_ENTRY, fields).scalar_one())
    conn.execute(
        _NEW_POSTING,
        [{"entry_id": entry_id, "account_id": ids[p.account], "amount": p.amount} for p in lines],
    )
    defer(session, entry_id)
    return entry_id, lines


def entry_fields(
    kind: str, lines: Sequence[ledger.Posting], at: datetime, actor: Actor | None
) -> dict[str, object]:
    """The columns of a new ``journal_entry`` for balanced ``lines`` (its reference and its
    hash computed here, from what is written: nothing is read back)."""
    ref = secrets.token_hex(16)
    return {
        "ref": ref,
        "kind": kind,
        "at": at,
        "posting_count": len(lines),
        "hash": ledger.entry_hash(
            ref, kind, at.isoformat(), [(p.account, p.amount) for p in lines]
        ),
        "memo": None,
        "actor_user_id": actor.user_id if actor else None,
    }


def deferring(session: Session) -> bool:
    """Inside :func:`deferred_balances` (balances move at its end)?"""
    return session.info.get(_DEFERRED) is not None


def nothing_deferred(session: Session) -> bool:
    """Inside :func:`deferred_balances` with no entry noted yet: a caller whose last write
    moves its own entries' balances leaves it nothing to move."""
    deferred = session.info.get(_DEFERRED)
    return deferred is not None and not deferred


def defer(session: Session, entry_id: int) -> bool:
    """Inside :func:`deferred_balances`: note the entry (its balances move at the end) and
    answer True; otherwise False (the caller moves them now)."""
    deferred = session.info.get(_DEFERRED)
    if deferred is None:
        return False
    deferred.add(entry_id)
    return True


def move_balances(session: Session, lines: Sequence[ledger.Posting]) -> None:
    """Apply balance deltas in account-code order (no deadlock between transactions); inside
    :func:`deferred_balances`, nothing yet: they are applied once at its end."""
    if session.info.get(_DEFERRED) is not None:
        return
    merged: dict[str, int] = {}
    for p in lines:
        merged[p.account] = merged.get(p.account, 0) + p.amount
    conn = session.connection()
    for account in sorted(merged):
        if merged[account]:
            conn.execute(_MOVE_BALANCE, {"acc": account, "delta": merged[account]}).scalar_one()


_DEFERRED = "journal.deferred_entries"
_SURVIVING_DELTAS = (
    select(ACCOUNTS.c.code, func.sum(POSTINGS.c.amount))
    .select_from(POSTINGS.join(ACCOUNTS, ACCOUNTS.c.id == POSTINGS.c.account_id))
    .where(POSTINGS.c.entry_id.in_(bindparam("ids", expanding=True)))
    .group_by(ACCOUNTS.c.code)
)


@contextmanager
def deferred_balances(session: Session) -> Iterator[None]:
    """Many entries in one transaction (an offline batch of scans): balances are moved once,
    at the end, from the postings of the entries that survived (an entry written inside a
    savepoint that was rolled back is gone from ``posting``, so it moves nothing). The
    shared account rows are then locked only for the end of the transaction instead of
    from the first scan on, and each scan saves its balance updates. On PostgreSQL they
    move in this backend's part of each account (``account_part``, in account-code order,
    as a single scan's write does), so batches and scans on one programme do not queue on
    its ``outstanding`` row."""
    if session.info.get(_DEFERRED) is not None:  # already deferred by an outer caller
        yield
        return
    session.info[_DEFERRED] = set()
    try:
        yield
    finally:
        ids = sorted(session.info.pop(_DEFERRED))
    if not ids:
        return
    conn = session.connection()
    move = _MOVE_PART if dialect.is_postgres(session) else _MOVE_BALANCE
    for account, delta in sorted(conn.execute(_SURVIVING_DELTAS, {"ids": ids}).all()):
        if delta:
            conn.execute(move, {"acc": account, "delta": int(delta)}).scalar_one()


def post(
    session: Session,
    kind: str,
    postings: Sequence[ledger.Posting],
    *,
    actor: Actor | None = None,
    memo: str | None = None,
    at: datetime | None = None,
) -> int:
    """Write one balanced entry and move the balances; returns the entry id. Raises
    ``unbalanced_entry`` before writing anything."""
    entry_id, lines = write_entry(session, kind, postings, actor=actor, memo=memo, at=at)
    move_balances(session, lines)
    return entry_id


def balance(session: Session, code: str) -> int:
    """The account's balance (its main part plus its parts; 0 for an account not created
    yet). No lock is taken: a caller that refuses on it locks what keeps it stable."""
    return int(
        session.connection().execute(select(BALANCE).where(ACCOUNTS.c.code == code)).scalar() or 0
    )


def balances(session: Session) -> dict[str, int]:
    """Every account's balance by code (main part plus parts)."""
    rows = session.connection().execute(select(ACCOUNTS.c.code, BALANCE))
    return {str(code): int(value) for code, value in rows}
