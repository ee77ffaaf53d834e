"""The quote and the invoice of an order of carnets, and the funds paid against it.

Rules kept (docs/finance.md, "Documents des financeurs"):

* a batch that is not cancelled gets **one quote and one invoice per funder** of its
  programme, for the funder's share (basis points, largest remainder, so the parts add up
  to the cent) of the value loaded on its carnets (books x vouchers per book x face value);
* each kind is numbered without gaps per Paris year (``DV-AAAA-NNNN``, ``FA-AAAA-NNNN``),
  under the ``invoice`` lock; issuing again for the same batch issues nothing;
* funds received may name an invoice: same programme and funder, never more than what is
  left to pay; the invoice is then « payée », « partiellement payée » or « à payer ».
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voucher.db.models import Batch, FunderDocument, FundsReceived, Organisation, Programme
from voucher.domain import funder_documents as fd
from voucher.domain.calendar import PARIS, utcnow
from voucher.domain.errors import DomainError
from voucher.domain.money import split_by_shares
from voucher.services import audit
from voucher.services.access.programme_scope import Scope
from voucher.services.context import Actor
from voucher.services.finance.numbering import lock, take_numbers
from voucher.services.finance.scope import finance_scope
from voucher.services.programmes.programmes import programme_funders


@dataclass(frozen=True)
class Row:
    document: FunderDocument
    programme: str
    funder: str
    paid_cents: int

    @property
    def state_fr(self) -> str:
        if self.document.kind != "invoice":
            return ""
        return fd.payment_state(self.document.amount_cents, self.paid_cents)

    @property
    def left_cents(self) -> int:
        return max(0, self.document.amount_cents - self.paid_cents)


def issue(
    session: Session,
    actor: Actor,
    batch_id: int,
    kind: str,
    *,
    scope: Scope | None = None,
    buyer_reference: str | None = None,
    buyer_order: str | None = None,
) -> list[FunderDocument]:
    """One ``kind`` document (quote or invoice) per funder of the batch's programme; a
    public buyer's service code and purchase order (Chorus Pro) go on every one of them."""
    if kind not in fd.KINDS:
        raise DomainError("invalid_value", field="kind")
    buyer_reference = _reference(buyer_reference, 100, "service")
    buyer_order = _reference(buyer_order, 50, "engagement")
    scope = scope if scope is not None else finance_scope(session, actor)
    batch = session.get(Batch, batch_id)
    if batch is None or not scope.allows(batch.programme_id):
        raise DomainError("not_found", object="batch")
    if batch.status == "cancelled":
        raise DomainError("batch_not_invoiceable")
    lock(session, "invoice")
    done = session.scalar(
        select(func.count())
        .select_from(FunderDocument)
        .where(FunderDocument.kind == kind, FunderDocument.batch_id == batch_id)
    )
    if done:
        return []
    vouchers = batch.books_count * batch.vouchers_per_book
    value = vouchers * batch.face_value_cents
    shares = programme_funders(session, batch.programme_id)
    parts = split_by_shares(value, [(str(f), bp) for f, bp in shares])
    payees = [(f, bp, parts[str(f)]) for f, bp in shares if parts[str(f)] > 0]
    now = utcnow()
    year = now.astimezone(PARIS).year
    docs = []
    for seq, (funder_id, bp, amount) in zip(
        take_numbers(session, fd.KINDS[kind][1], year, len(payees)), payees, strict=True
    ):
        doc = FunderDocument(
            kind=kind,
            number=fd.number(kind, year, seq),
            year=year,
            seq=seq,
            batch_id=batch.id,
            programme_id=batch.programme_id,
            funder_id=funder_id,
            share_bp=bp,
            vouchers=vouchers,
            face_value_cents=batch.face_value_cents,
            batch_value_cents=value,
            amount_cents=amount,
            buyer_reference=buyer_reference,
            buyer_order=buyer_order,
            created_at=now,
            created_by=actor.user_id,
        )
        session.add(doc)
        docs.append(doc)
    session.flush()
    for doc in docs:
        audit.record(
            session,
            actor,
            f"funder_{kind}.issue",
            ("funder_document", doc.id),
            organisation_id=doc.funder_id,
            batch_id=batch.id,
            amount_cents=doc.amount_cents,
            number=doc.number,
        )
    return docs


def _reference(value: str | None, size: int, field: str) -> str | None:
    text = " ".join((value or "").split())
    if len(text) > size:
        raise DomainError("invalid_value", field=field)
    return text or None


def paid(session: Session, invoice_ids: list[int]) -> dict[int, int]:
    if not invoice_ids:
        return {}
    rows = session.execute(
        select(FundsReceived.invoice_id, func.sum(FundsReceived.amount_cents))
        .where(FundsReceived.invoice_id.in_(invoice_ids))
        .group_by(FundsReceived.invoice_id)
    )
    return {int(i or 0): int(c) for i, c in rows}


def rows(
    session: Session,
    scope: Scope,
    *,
    funder_id: int | None = None,
    kind: str | None = None,
    batch_id: int | None = None,
) -> list[Row]:
    q = (
        select(FunderDocument, Programme.name, Organisation.name)
        .join(Programme, Programme.id == FunderDocument.programme_id)
        .join(Organisation, Organisation.id == FunderDocument.funder_id)
        .where(scope.where(FunderDocument.programme_id))
        .order_by(FunderDocument.kind, FunderDocument.year.desc(), FunderDocument.seq.desc())
    )
    if funder_id is not None:
        q = q.where(FunderDocument.funder_id == funder_id)
    if kind is not None:
        q = q.where(FunderDocument.kind == kind)
    if batch_id is not None:
        q = q.where(FunderDocument.batch_id == batch_id)
    found = session.execute(q).all()
    sums = paid(session, [d.id for d, _, _ in found])
    return [Row(d, str(p), str(f), sums.get(d.id, 0)) for d, p, f in found]


def find(
    session: Session, scope: Scope, number: str, *, funder_id: int | None = None
) -> FunderDocument:
    doc = session.scalar(select(FunderDocument).where(FunderDocument.number == number.strip()))
    if (
        doc is None
        or not scope.allows(doc.programme_id)
        or (funder_id is not None and doc.funder_id != funder_id)
    ):
        raise DomainError("not_found", object="invoice")
    return doc


def check_payment(
    session: Session, invoice: FunderDocument, programme_id: int, funder_id: int, amount: int
) -> None:
    """Refuse funds that do not belong to this invoice or pay more than is left."""
    if invoice.kind != "invoice":
        raise DomainError("not_found", object="invoice")
    if invoice.programme_id != programme_id or invoice.funder_id != funder_id:
        raise DomainError("invoice_mismatch", invoice=invoice.number)
    left = invoice.amount_cents - paid(session, [invoice.id]).get(invoice.id, 0)
    if amount > left:
        raise DomainError("invoice_overpaid", invoice=invoice.number, left_cents=left)


def check(session: Session, report: Any) -> None:
    """For ``voucher statements check``: quotes and invoices gap-free per kind and year, and
    no invoice paid beyond its amount (``invoice_numbering``, ``invoice_overpaid``)."""
    seqs: dict[tuple[str, int], list[int]] = {}
    for kind, year, seq in session.execute(
        select(FunderDocument.kind, FunderDocument.year, FunderDocument.seq).order_by(
            FunderDocument.kind, FunderDocument.year, FunderDocument.seq
        )
    ):
        seqs.setdefault((str(kind), int(year)), []).append(int(seq))
    for (kind, year), found in seqs.items():
        if found != list(range(1, len(found) + 1)):
            report.add(
                "invoice_numbering",
                f"{fd.KINDS[kind][2]}s {year} : numéros {found[:5]}… non continus ou en double",
            )
    invoices = session.execute(
        select(FunderDocument.id, FunderDocument.number, FunderDocument.amount_cents).where(
            FunderDocument.kind == "invoice"
        )
    ).all()
    sums = paid(session, [i for i, _, _ in invoices])
    for doc_id, number, amount in invoices:
        if sums.get(doc_id, 0) > amount:
            report.add("invoice_overpaid", f"facture {number} payée au-delà de son montant")
