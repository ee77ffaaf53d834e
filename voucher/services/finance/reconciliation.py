"""Bank reconciliation: the bank's closing balance next to the books', the difference
explained by the bank lines the books do not hold.

* the books' side is the ``bank`` account at the end of the statement's closing day
  (Paris): settlement entries are dated on the bank's booking day, so at 31 December the
  books and the bank agree when every line is accounted for;
* the bank's side is the last applied camt.053 with a closing balance (``CLBD``);
* lines of our account up to that day that the books do not hold — unmatched credits
  (funders' payments not yet recorded…), unmatched debits, bank fees — explain the
  difference; what they do not explain is shown as such.

Reading is read-only; :func:`link_funds` is the one write: an unmatched credit (a funder's
transfer) is recorded as that funder's funds received, or linked to funds already typed,
**once** (a second link is refused), and then counts as matched.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voucher.db import dialect
from voucher.db.models import (
    Account,
    BankImport,
    BankMovement,
    FundsReceived,
    JournalEntry,
    Organisation,
    Posting,
    Programme,
    ProgrammeFunder,
)
from voucher.domain import bank, ledger
from voucher.domain.calendar import end_of_paris_day_utc, paris_date, utcnow
from voucher.domain.errors import DomainError
from voucher.services import audit
from voucher.services.context import Actor
from voucher.services.finance.numbering import lock
from voucher.services.finance.scope import finance_scope
from voucher.services.issuance import funds as funds_service

MATCHED = ("paid", "rejected", "returned", "already_settled", "skipped", "funds")


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


def funding_choices(session: Session) -> list[tuple[int, int, str, str]]:
    """(programme id, funder id, programme name, funder name) a credit can be linked to."""
    rows = session.execute(
        select(Programme.id, Organisation.id, Programme.name, Organisation.name)
        .join(ProgrammeFunder, ProgrammeFunder.programme_id == Programme.id)
        .join(Organisation, Organisation.id == ProgrammeFunder.funder_id)
        .order_by(Programme.name, Organisation.name)
    )
    return [(int(p), int(f), str(pn), str(fn)) for p, f, pn, fn in rows]


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


def link_funds(
    session: Session,
    actor: Actor,
    movement_id: int,
    *,
    programme_id: int | None = None,
    funder_id: int | None = None,
    funds_id: int | None = None,
) -> FundsReceived:
    """Link an unmatched credit to a funder's funds received: to ``funds_id`` when they were
    typed already (same amount), else recorded now from the line (its amount, its booking
    day, its bank reference) for ``programme_id`` and ``funder_id``."""
    if not finance_scope(session, actor).everything:
        raise DomainError("bank_scope")
    lock(session, "bank")
    stmt = select(BankMovement).where(BankMovement.id == movement_id)
    line = session.scalars(
        dialect.for_update(stmt, session).execution_options(populate_existing=True)
    ).first()
    if line is None:
        raise DomainError("not_found", object="bank_line")
    if line.funds_received_id is not None:
        raise DomainError("bank_line_already_linked")
    if line.direction != "CRDT" or line.outcome != "unmatched":
        raise DomainError("bank_line_not_linkable")
    if funds_id is not None:
        funds = session.get(FundsReceived, funds_id)
        if funds is None:
            raise DomainError("not_found", object="funds_received")
        taken = select(BankMovement.id).where(BankMovement.funds_received_id == funds_id)
        if session.scalar(taken) is not None:
            raise DomainError("bank_line_already_linked")
        if funds.amount_cents != line.amount_cents:
            raise DomainError("bank_line_amount_differs")
    else:
        if programme_id is None or funder_id is None:
            raise DomainError("invalid_value", field="programme")
        funds = funds_service.record_funds_received(
            session,
            actor,
            programme_id=programme_id,
            funder_id=funder_id,
            amount_cents=line.amount_cents,
            received_on=line.booking_date or paris_date(utcnow()),
            reference=(line.reference or line.counterparty or "")[:140] or None,
            at=bank.booking_moment(line.booking_date, utcnow()),
        )
    line.funds_received_id, line.outcome = funds.id, "funds"
    session.flush()
    audit.record(
        session,
        actor,
        "bank.link_funds",
        ("bank_movement", line.id),
        funds_received_id=funds.id,
        programme_id=funds.programme_id,
        organisation_id=funds.funder_id,
        amount_cents=line.amount_cents,
        recorded=funds_id is None,
    )
    return funds
