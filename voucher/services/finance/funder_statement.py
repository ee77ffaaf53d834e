"""A funder's periodic statement for one programme, read from the ledger.

Every figure is a sum of postings (``posting`` joined to ``journal_entry`` by date), so it
reconciles with the balances ``voucher audit`` checks (docs/finance.md, "Relevé
périodique d'un financeur"). For the period [first day, last day] (Paris days):

* the funder's own account ``funder_funds:{f}:{p}``: funds received (``funds.received``),
  activated (``batch.activate``), value given back by credit notes (``credit_note.issue``),
  refunded (``credit_note.refund``), and the funds held, not in circulation (its balance);
* the programme, with the funder's share (basis points, largest remainder): in circulation
  (``outstanding:{p}:*`` balance), held for review (``suspense:{p}`` balance), redeemed (what
  entries touching ``outstanding:{p}``/``suspense:{p}`` moved to ``payable``, cancellations
  deducted), expired (``breakage:{p}`` credits other than credit notes), and paid to
  structures (each statement's part for the programme when the bank's payment entry falls
  in the period, minus the same when the bank sent it back after payment).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import case, exists, func, literal, or_, select
from sqlalchemy.orm import Session, aliased

from voucher.db.models import (
    Account,
    JournalEntry,
    Organisation,
    Posting,
    Programme,
    Statement,
    StatementProgramme,
)
from voucher.domain import ledger
from voucher.domain.calendar import PARIS, end_of_paris_day_utc
from voucher.domain.errors import DomainError
from voucher.domain.money import split_by_shares
from voucher.services.access.programme_scope import Scope
from voucher.services.programmes.programmes import programme_funders


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    programme_wide: bool  # a programme figure shared by its funders
    period_cents: int | None  # a flow during the period (None for a balance)
    to_date_cents: int  # from the start up to the end of the period (or the balance)
    share_period_cents: int | None
    share_to_date_cents: int


@dataclass(frozen=True)
class FunderStatement:
    funder_id: int
    funder_name: str
    funder_siret: str
    programme_id: int
    programme_name: str
    share_bp: int
    first_day: date
    last_day: date
    figures: list[Figure]
    issuer: list[str]

    def figure(self, key: str) -> Figure:
        return next(f for f in self.figures if f.key == key)


def parse_period(first: str | date, last: str | date) -> tuple[date, date]:
    try:
        a = first if isinstance(first, date) else date.fromisoformat(first.strip())
        b = last if isinstance(last, date) else date.fromisoformat(last.strip())
    except (ValueError, AttributeError):
        raise DomainError("invalid_statement_period") from None
    if b < a:
        raise DomainError("invalid_statement_period")
    return a, b


def _sum(session: Session, where: Any, start: datetime | None, end: datetime) -> int:
    q = (
        select(func.coalesce(func.sum(Posting.amount), 0))
        .join(Account, Account.id == Posting.account_id)
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(where, JournalEntry.at < end)
    )
    if start is not None:
        q = q.where(JournalEntry.at >= start)
    return int(session.scalar(q) or 0)


def _flows(session: Session, f: int, p: int, start: datetime | None, end: datetime) -> dict:
    funds = Account.code == ledger.funder_funds(f, p)
    circulating = Account.code.like(f"outstanding:{p}:%")
    suspense = Account.code == ledger.suspense(p)
    touched = aliased(Posting)
    touched_account = aliased(Account)
    programme_entry = exists().where(
        touched.entry_id == Posting.entry_id,
        touched_account.id == touched.account_id,
        or_(
            touched_account.code.like(f"outstanding:{p}:%"),
            touched_account.code == ledger.suspense(p),
        ),
    )
    return {
        "received": -_sum(session, funds & (JournalEntry.kind == "funds.received"), start, end),
        "activated": _sum(session, funds & (JournalEntry.kind == "batch.activate"), start, end),
        "credited": -_sum(session, funds & (JournalEntry.kind == "credit_note.issue"), start, end),
        "refunded": _sum(session, funds & (JournalEntry.kind == "credit_note.refund"), start, end),
        "redeemed": -_sum(session, (Account.kind == "payable") & programme_entry, start, end),
        "expired": -_sum(
            session,
            (Account.code == ledger.breakage(p)) & (JournalEntry.kind != "credit_note.issue"),
            start,
            end,
        ),
        "held_funds": -_sum(session, funds, None, end),
        "circulating": -_sum(session, circulating, None, end),
        "suspense": -_sum(session, suspense, None, end),
    }


def _paid(session: Session, p: int, start: datetime | None, end: datetime) -> int:
    """The programme's part of the statements the bank paid (``payment.settle``, dated on
    its booking day) minus those it sent back after payment (``payment.return``): both
    entries name their statement (``relevé <number>``)."""
    part = StatementProgramme.total_cents
    q = (
        select(
            func.coalesce(
                func.sum(case((JournalEntry.kind == "payment.settle", part), else_=-part)), 0
            )
        )
        .select_from(JournalEntry)
        .join(Statement, JournalEntry.memo == literal("relevé ") + Statement.number)
        .join(StatementProgramme, StatementProgramme.statement_id == Statement.id)
        .where(
            StatementProgramme.programme_id == p,
            JournalEntry.kind.in_(("payment.settle", "payment.return")),
            JournalEntry.at < end,
        )
    )
    if start is not None:
        q = q.where(JournalEntry.at >= start)
    return int(session.scalar(q) or 0)


LABELS = [
    ("received", "Fonds reçus du financeur", False),
    ("activated", "Mis en circulation (lots activés)", False),
    ("credited", "Valeur non utilisée rendue par avoir", False),
    ("refunded", "Remboursé au financeur", False),
    ("held_funds", "Fonds détenus, pas encore en circulation (solde)", False),
    ("circulating", "Chèques en circulation (solde)", True),
    ("redeemed", "Chèques encaissés par les lieux", True),
    ("suspense", "Encaissements en vérification (solde)", True),
    ("paid", "Payé aux lieux (virements confirmés par la banque, retours déduits)", True),
    ("expired", "Chèques expirés ou annulés (valeur à rendre)", True),
]
BALANCES = {"held_funds", "circulating", "suspense"}


def build(
    session: Session, scope: Scope, funder_id: int, programme_id: int, first: date, last: date
) -> FunderStatement:
    programme = session.get(Programme, programme_id)
    funder = session.get(Organisation, funder_id)
    shares = dict(programme_funders(session, programme_id)) if programme else {}
    if (
        programme is None
        or funder is None
        or not scope.allows(programme_id)
        or funder_id not in shares
    ):
        raise DomainError("not_found", object="programme")
    start = datetime.combine(first, time(), PARIS).astimezone(UTC)
    end = end_of_paris_day_utc(last)
    period = _flows(session, funder_id, programme_id, start, end)
    period["paid"] = _paid(session, programme_id, start, end)
    total = _flows(session, funder_id, programme_id, None, end)
    total["paid"] = _paid(session, programme_id, None, end)
    basis = [(str(f), bp) for f, bp in shares.items()]

    def share(value: int) -> int:
        return split_by_shares(value, basis)[str(funder_id)] if value >= 0 else -share(-value)

    figures = []
    for key, label, wide in LABELS:
        flow = None if key in BALANCES else period[key]
        figures.append(
            Figure(
                key,
                label,
                wide,
                flow,
                total[key],
                None if flow is None else (share(flow) if wide else flow),
                share(total[key]) if wide else total[key],
            )
        )
    from voucher.services.finance.statements import issuer

    return FunderStatement(
        funder_id=funder_id,
        funder_name=funder.name,
        funder_siret=funder.siret or "",
        programme_id=programme_id,
        programme_name=programme.name,
        share_bp=shares[funder_id],
        first_day=first,
        last_day=last,
        figures=figures,
        issuer=issuer(session),
    )
