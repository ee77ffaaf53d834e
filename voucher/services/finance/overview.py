"""A month's money at a glance, for the finance workspace: value scanned in the Paris month,
split by where it stands now.

Categories (value in cents and number of vouchers, scans of the month, programmes in scope):
``held`` (waiting for review), ``to_state`` (accepted, not in a statement yet), ``blocked``
(accepted, not stated, its structure blocked at the first close covering that month), ``open``
(stated, not yet in a payment run), ``in_payment``, ``paid``, ``rejected`` (sent back by the
bank, to pay again). Cancelled and rejected scans are not money owed and are left out.

Money going back to funders is listed beside it: the credit notes issued in the month (Paris
time), each with where its refund stands (owed, transfer sent, paid), in scope like the rest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voucher.db.models import CreditNote, MonthClose, Organisation, Programme, Redemption, Statement
from voucher.domain import finance
from voucher.domain.calendar import utcnow
from voucher.services.access.programme_scope import Scope

CATEGORIES = ("held", "to_state", "blocked", "open", "in_payment", "paid", "rejected")
CATEGORY_FR = {
    "held": "en vérification",
    "to_state": "à relever",
    "blocked": "bloqué (coordonnées bancaires)",
    "open": "relevé, à payer",
    "in_payment": "virement envoyé",
    "paid": "payé",
    "rejected": "virement rejeté",
}


@dataclass(frozen=True)
class Refund:
    number: str
    programme: str
    funder: str
    amount_cents: int
    status: str

    @property
    def status_fr(self) -> str:
        return finance.REFUND_FR[self.status]


@dataclass
class MonthStatus:
    period: finance.Period
    closed_at: datetime | None = None
    closed_with: finance.Period | None = None  # closed by the close of this later month
    statements: int = 0
    cents: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    vouchers: dict[str, int] = field(default_factory=lambda: dict.fromkeys(CATEGORIES, 0))
    refunds: list[Refund] = field(default_factory=list)

    @property
    def refunds_cents(self) -> int:
        return sum(r.amount_cents for r in self.refunds)

    @property
    def redeemed_cents(self) -> int:
        return sum(self.cents.values()) - self.cents["held"]


def month_status(session: Session, scope: Scope, period: finance.Period) -> MonthStatus:
    start, end = period.bounds()
    record = session.scalars(select(MonthClose).where(MonthClose.period == str(period))).first()
    # the first close at or after this month says which structures are still blocked
    covering = session.scalars(
        select(MonthClose)
        .where(MonthClose.period >= str(period))
        .order_by(MonthClose.period)
        .limit(1)
    ).first()
    blocked_ids = {int(b["structure_id"]) for b in (covering.blocked if covering else [])}
    # a close takes every scan not yet stated up to its month's end: a month with no close
    # of its own is closed once a later month is (its statements belong to that close)
    closing = record or covering
    status = MonthStatus(period, closing.first_closed_at if closing else None)
    if record is None and covering is not None:
        status.closed_with = finance.Period.parse(covering.period)
    rows = session.execute(
        select(
            Redemption.status,
            Statement.status,
            Redemption.structure_id,
            func.count(),
            func.sum(Redemption.face_value_cents),
        )
        .outerjoin(Statement, Statement.id == Redemption.statement_id)
        .where(
            Redemption.scanned_at >= start,
            Redemption.scanned_at < end,
            Redemption.status.in_(("accepted", "held")),
            scope.where(Redemption.programme_id),
        )
        .group_by(Redemption.status, Statement.status, Redemption.structure_id)
    )
    for red_status, st_status, structure_id, n, cents in rows:
        if red_status == "held":
            key = "held"
        elif st_status is None:
            key = "blocked" if int(structure_id) in blocked_ids else "to_state"
        else:
            key = st_status
        status.cents[key] += int(cents)
        status.vouchers[key] += int(n)
    status.refunds = _refunds(session, scope, start, end)
    if record is not None:
        status.statements = int(
            session.scalar(
                select(func.count()).select_from(Statement).where(Statement.close_id == record.id)
            )
            or 0
        )
    return status


def _refunds(session: Session, scope: Scope, start: datetime, end: datetime) -> list[Refund]:
    """The credit notes issued in [start, end), oldest number first."""
    rows = session.execute(
        select(
            CreditNote.number,
            Programme.name,
            Organisation.name,
            CreditNote.amount_cents,
            CreditNote.refund_status,
        )
        .join(Programme, Programme.id == CreditNote.programme_id)
        .join(Organisation, Organisation.id == CreditNote.funder_id)
        .where(
            CreditNote.created_at >= start,
            CreditNote.created_at < end,
            scope.where(CreditNote.programme_id),
        )
        .order_by(CreditNote.year, CreditNote.seq)
    )
    return [Refund(str(n), str(p), str(f), int(c), str(st)) for n, p, f, c, st in rows]


def recent(
    session: Session, scope: Scope, months: int = 12, now: datetime | None = None
) -> list[MonthStatus]:
    """The last ``months`` Paris months, oldest first, ending with the current one."""
    period = finance.Period.of(now or utcnow())
    periods = [period]
    for _ in range(months - 1):
        periods.append(periods[-1].previous())
    return [month_status(session, scope, p) for p in reversed(periods)]
