"""Lettrage of the FEC and the opening balances (à-nouveaux) of a fiscal year.

Rules kept:

* a structure's ``payable`` and ``in_payment`` lines are grouped by the statement they
  belong to: the scans it reimburses (accepted, released from a hold, cancelled), and every
  transfer of it (sent, rejected, paid, returned); a scan cancelled before any statement is
  its own group (``R<id>``); a funder's ``refund_payable`` and ``refund_in_payment`` lines
  are grouped by their credit note (the refund owed, each transfer of it);
* a group is lettered in a file when the lines the file holds for it sum to zero and they
  are all of it: its lines of the period, plus its opening line when the file opens the
  fiscal year; ``EcritureLet`` is the statement number (also the transfers' ``PieceRef``),
  ``DateLet`` the day of the group's last line, never after the period;
* à-nouveaux: when the period starts on 1 January, the balances of every account at that
  moment, as one entry of the opening journal; the open groups of ``payable`` and
  ``in_payment`` each get their own line, so their lettrage continues in the new year.

Read-only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voucher.db.models import (
    Account,
    Hold,
    JournalEntry,
    Posting,
    Redemption,
    Statement,
)
from voucher.domain.calendar import paris_date

LETTERED = ("payable", "in_payment", "refund_payable", "refund_in_payment")
#: entries whose memo names their group (``relevé <n>`` or ``avoir <n>``)
NAMED = ("payment.", "refund.", "credit_note.")
Group = tuple[str, str]  # (ledger account code, statement number or R<id>)
Opening = tuple[str, str | None, int, tuple[str, date] | None]


@dataclass
class Letters:
    """What the FEC writer needs: per posting its letter and day; the opening lines."""

    by_posting: dict[int, tuple[str, date]] = field(default_factory=dict)
    #: (ledger account code, group key or None, signed cents, (letter, day) or None)
    opening: list[Opening] = field(default_factory=list)


def _keys(session: Session, entry_ids: set[int]) -> dict[int, str]:
    """The group of each scan entry: its statement's number, or ``R<redemption id>``."""
    out: dict[int, str] = {}
    rows = session.execute(
        select(
            Redemption.id,
            Redemption.entry_id,
            Redemption.cancel_entry_id,
            Hold.decision_entry_id,
            Statement.number,
        )
        .outerjoin(Statement, Statement.id == Redemption.statement_id)
        .outerjoin(Hold, Hold.redemption_id == Redemption.id)
    )
    for rid, entry, cancel, decision, number in rows:
        key = str(number) if number else f"R{rid}"
        for e in (entry, cancel, decision):
            if e is not None and int(e) in entry_ids:
                out[int(e)] = key
    return out


def _key(kind: str, memo: str | None, entry_id: int, scans: dict[int, str]) -> str | None:
    if kind.startswith(NAMED) and memo and memo.startswith(("relevé ", "avoir ")):
        return memo.split(" ", 1)[1]
    return scans.get(entry_id)


def _lines(session: Session, end: datetime) -> list[tuple[int, str, str | None, datetime, int]]:
    """(posting id, account, group key, time, amount) of the lettered accounts up to ``end``."""
    rows = session.execute(
        select(
            Posting.id,
            Account.code,
            JournalEntry.id,
            JournalEntry.kind,
            JournalEntry.memo,
            JournalEntry.at,
            Posting.amount,
        )  # fmt: skip
        .join(Account, Account.id == Posting.account_id)
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(Account.kind.in_(LETTERED), JournalEntry.at < end)
    ).all()
    scans = _keys(session, {int(r[2]) for r in rows if not str(r[3]).startswith(NAMED)})
    return [
        (int(pid), str(code), _key(str(kind), memo, int(eid), scans), at, int(amount))
        for pid, code, eid, kind, memo, at, amount in rows
    ]


def letters(session: Session, start: datetime, end: datetime, *, opening: bool) -> Letters:
    """Letters for a file covering [start, end); with its opening lines when ``opening``."""
    before: dict[Group, int] = defaultdict(int)
    inside: dict[Group, list[tuple[int, datetime, int]]] = defaultdict(list)
    for pid, code, key, at, amount in _lines(session, end):
        if key is None:
            continue
        if at < start:
            before[(code, key)] += amount
        else:
            inside[(code, key)].append((pid, at, amount))
    out = Letters()
    closed: dict[Group, date] = {}
    for group, lines in inside.items():
        carried = before.get(group, 0)
        if (carried and not opening) or carried + sum(a for _, _, a in lines):
            continue
        day = closed[group] = paris_date(max(at for _, at, _ in lines))
        for pid, _, _ in lines:
            out.by_posting[pid] = (group[1], day)
    if opening:
        out.opening = _opening(session, start, before, closed)
    return out


def _opening(
    session: Session, start: datetime, before: dict[Group, int], closed: dict[Group, date]
) -> list[Opening]:
    """One line per open group of the lettered accounts, one per other account."""
    opened: list[Opening] = []
    keyed: dict[str, int] = defaultdict(int)
    for (code, key), amount in before.items():
        if amount:
            keyed[code] += amount
            day = closed.get((code, key))
            opened.append((code, key, amount, (key, day) if day else None))
    for code, balance in _balances(session, start):
        rest = balance - keyed.get(code, 0)
        if rest:
            opened.append((code, None, rest, None))
    return sorted(opened, key=lambda o: (o[0], o[1] or ""))


def _balances(session: Session, start: datetime) -> list[tuple[str, int]]:
    rows = session.execute(
        select(Account.code, func.sum(Posting.amount))
        .join(Posting, Posting.account_id == Account.id)
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(JournalEntry.at < start)
        .group_by(Account.code)
    )
    return [(str(c), int(b or 0)) for c, b in rows]
