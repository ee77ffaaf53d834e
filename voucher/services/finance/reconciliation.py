"""Bank reconciliation: the bank's closing balance next to the books', the difference
explained by the bank lines the books do not hold.

* the books' side is the ``bank`` account at the end of the statement's closing day
  (Paris): settlement entries are dated on the bank's booking day, so at 31 December the
  books and the bank agree when every line is accounted for;
* the bank's side is the last applied camt.053 with a closing balance (``CLBD``);
* lines of our account up to that day that the books do not hold — unmatched credits
  (funders' payments not yet recorded…), unmatched debits, bank fees — explain the
  difference; what they do not explain is shown as such.

Read-only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voucher.db.models import Account, BankImport, BankMovement, JournalEntry, Posting
from voucher.domain import ledger
from voucher.domain.calendar import end_of_paris_day_utc
from voucher.domain.errors import DomainError

MATCHED = ("paid", "rejected", "returned", "already_settled", "skipped")


@dataclass
class Reconciliation:
    import_id: int
    filename: str
    statement_ref: str | None
    day: date
    bank_cents: int
    books_cents: int
    matched: list[BankMovement] = field(default_factory=list)
    unmatched_in: list[BankMovement] = field(default_factory=list)
    unmatched_out: list[BankMovement] = field(default_factory=list)
    fees: list[BankMovement] = field(default_factory=list)

    @property
    def difference(self) -> int:
        """The bank's balance minus the books'."""
        return self.bank_cents - self.books_cents

    @property
    def explained(self) -> int:
        return (
            sum(m.amount_cents for m in self.unmatched_in)
            - sum(m.amount_cents for m in self.unmatched_out)
            - sum(m.amount_cents for m in self.fees)
        )

    @property
    def unexplained(self) -> int:
        return self.difference - self.explained


def books_balance(session: Session, day: date) -> int:
    """The ``bank`` account in the books at the end of ``day`` (Paris)."""
    return int(
        session.scalar(
            select(func.coalesce(func.sum(Posting.amount), 0))
            .join(Account, Account.id == Posting.account_id)
            .join(JournalEntry, JournalEntry.id == Posting.entry_id)
            .where(Account.code == ledger.bank(), JournalEntry.at < end_of_paris_day_utc(day))
        )
        or 0
    )


def latest(session: Session) -> BankImport | None:
    """The last applied statement that gives a closing balance."""
    return session.scalars(
        select(BankImport)
        .where(BankImport.status == "applied", BankImport.closing_cents.isnot(None))
        .order_by(BankImport.closing_date.desc(), BankImport.id.desc())
        .limit(1)
    ).first()


def reconcile(session: Session, import_id: int | None = None) -> Reconciliation:
    imp = latest(session) if import_id is None else session.get(BankImport, import_id)
    if imp is None or imp.closing_cents is None or imp.closing_date is None:
        raise DomainError("no_bank_balance")
    day = imp.closing_date
    out = Reconciliation(
        imp.id,
        imp.filename,
        imp.statement_ref,
        day,
        int(imp.closing_cents),
        books_balance(session, day),
    )
    lines = session.scalars(
        select(BankMovement)
        .where(
            BankMovement.account_iban == (imp.account_iban or ""),
            BankMovement.booking_date <= day,
        )
        .order_by(BankMovement.booking_date, BankMovement.id)
    )
    for m in lines:
        if m.outcome == "fee":
            out.fees.append(m)
        elif m.outcome in MATCHED:
            if m.bank_import_id == imp.id:
                out.matched.append(m)
        elif m.direction == "CRDT":
            out.unmatched_in.append(m)
        else:
            out.unmatched_out.append(m)
    return out
