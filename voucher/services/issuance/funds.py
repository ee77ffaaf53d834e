"""Funds received from a funder for a programme: the money that later activates batches.

Rules kept: a positive amount in cents, from one of the programme's funders; journal
``bank`` debit / ``funder_funds`` credit (see docs/chart-of-accounts.md); audited.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.orm import Session

from voucher.db.models import FundsReceived
from voucher.domain import ledger
from voucher.domain.calendar import utcnow
from voucher.domain.errors import DomainError
from voucher.services import audit
from voucher.services.context import Actor
from voucher.services.finance import journal
from voucher.services.programmes.programmes import get_programme, programme_funders


def record_funds_received(
    session: Session,
    actor: Actor,
    *,
    programme_id: int,
    funder_id: int,
    amount_cents: int,
    received_on: date,
    reference: str | None = None,
    at: datetime | None = None,
) -> FundsReceived:
    """``at``: when the entry is dated (the bank's booking day when read from a bank line)."""
    if not isinstance(amount_cents, int) or amount_cents <= 0:
        raise DomainError("invalid_amount")
    get_programme(session, programme_id)
    if funder_id not in dict(programme_funders(session, programme_id)):
        raise DomainError("invalid_value", field="funder")
    entry = journal.post(
        session,
        "funds.received",
        ledger.move(amount_cents, ledger.bank(), ledger.funder_funds(funder_id, programme_id)),
        actor=actor,
        memo=reference,
        at=at,
    )
    funds = FundsReceived(
        programme_id=programme_id,
        funder_id=funder_id,
        amount_cents=amount_cents,
        received_on=received_on,
        reference=reference,
        entry_id=entry,
        created_at=utcnow(),
    )
    session.add(funds)
    session.flush()
    audit.record(
        session,
        actor,
        "funds.received",
        ("programme", programme_id),
        funder_id=funder_id,
        amount_cents=amount_cents,
        reference=reference,
    )
    return funds
