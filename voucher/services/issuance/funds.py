"""Funds received from a funder for a programme: the money that later activates batches.

Rules kept: a positive amount in cents, from one of the programme's funders; journal
``bank`` debit / ``funder_funds`` credit (see docs/chart-of-accounts.md); audited. Funds may
name the funder's invoice they pay (same programme and funder, never more than is left to
pay: :mod:`voucher.services.finance.funder_invoices`).
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
    invoice_number: str | None = None,
    at: datetime | None = None,
) -> FundsReceived:
    """``at``: when the entry is dated (the bank's booking day when read from a bank line)."""
    if not isinstance(amount_cents, int) or amount_cents <= 0:
        raise DomainError("invalid_amount")
    get_programme(session, programme_id)
    if funder_id not in dict(programme_funders(session, programme_id)):
        raise DomainError("invalid_value", field="funder")
    invoice = None
    if invoice_number:
        from voucher.services.finance import funder_invoices
        from voucher.services.finance.numbering import lock
        from voucher.services.finance.scope import EVERYTHING

        lock(session, "invoice")
        invoice = funder_invoices.find(session, EVERYTHING, invoice_number)
        funder_invoices.check_payment(session, invoice, programme_id, funder_id, amount_cents)
        reference = reference or invoice.number
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
        invoice_id=invoice.id if invoice else None,
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
        invoice=invoice.number if invoice else None,
    )
    return funds
