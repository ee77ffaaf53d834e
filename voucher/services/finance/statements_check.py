"""``voucher statements check``: the finance invariants, recomputed from the tables.

1. statement numbers are gap-free and unique per year (1..n), credit notes too, and
   funders' quotes and invoices per kind (no invoice paid beyond its amount either);
2. a statement's stored total and line count equal its scans', and its per-programme rows add
   up to it; only accepted scans are in statements;
3. every transfer carries its statement's total; a statement has at most one live transfer;
   a ``paid`` statement has a paid transfer and all its vouchers ``reimbursed``; an
   ``in_payment`` one a sent transfer;
4. per structure, ``in_payment`` equals minus the sum of its sent transfers;
5. the bank lines agree: a line naming one of our EndToEndIds settled that transfer and no
   other, and per statement the bank's lines net to at most one payment (paid lines minus
   returns, each counted for the transfer its EndToEndId names): a statement paid twice by
   the bank is reported even when the books balance.

Read-only; the ledger's own invariants are ``voucher audit``'s.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voucher.db.models import (
    BankMovement,
    CreditNote,
    PaymentTransfer,
    Redemption,
    Statement,
    StatementProgramme,
    Voucher,
)
from voucher.domain import ledger
from voucher.domain.states import VoucherState
from voucher.services.finance import funder_invoices, journal
from voucher.services.finance.ledger_audit import Report


def _numbering(session: Session, report: Report, model: type, what: str) -> None:
    seqs: dict[int, list[int]] = defaultdict(list)
    for year, seq in session.execute(select(model.year, model.seq).order_by(model.year, model.seq)):  # type: ignore[attr-defined]
        seqs[int(year)].append(int(seq))
    for year, found in seqs.items():
        if found != list(range(1, len(found) + 1)):
            report.add(
                "numbering", f"{what} {year} : numéros {found[:5]}… non continus ou en double"
            )


def _statements(session: Session, report: Report) -> dict[int, Statement]:
    sums = {
        int(s or 0): (int(n), int(t))
        for s, n, t in session.execute(
            select(Redemption.statement_id, func.count(), func.sum(Redemption.face_value_cents))
            .where(Redemption.statement_id.isnot(None))
            .group_by(Redemption.statement_id)
        )
    }
    parts = {
        int(s): (int(n), int(t))
        for s, n, t in session.execute(
            select(
                StatementProgramme.statement_id,
                func.sum(StatementProgramme.line_count),
                func.sum(StatementProgramme.total_cents),
            ).group_by(StatementProgramme.statement_id)
        )
    }
    statements = {
        st.id: st
        for st in session.scalars(select(Statement).execution_options(populate_existing=True))
    }
    for st in statements.values():
        expected = (st.line_count, st.total_cents)
        if sums.get(st.id) != expected or parts.get(st.id) != expected:
            report.add(
                "statement_total",
                f"relevé {st.number} : {expected} enregistré, scans {sums.get(st.id)}, "
                f"dispositifs {parts.get(st.id)}",
            )
    odd = session.scalar(
        select(func.count())
        .select_from(Redemption)
        .where(Redemption.statement_id.isnot(None), Redemption.status != "accepted")
    )
    if odd:
        report.add("statement_lines", f"{odd} scan(s) non accepté(s) dans un relevé")
    return statements


def _transfers(session: Session, report: Report, statements: dict[int, Statement]) -> None:
    live: dict[int, list[PaymentTransfer]] = defaultdict(list)
    sent: dict[int, int] = defaultdict(int)
    for t in session.scalars(
        select(PaymentTransfer)
        .where(PaymentTransfer.statement_id.isnot(None))
        .execution_options(populate_existing=True)
    ):
        st = statements[int(t.statement_id or 0)]
        if t.amount_cents != st.total_cents:
            report.add(
                "transfer_amount",
                f"virement {t.end_to_end_id} : {t.amount_cents} pour un relevé de {st.total_cents}",
            )
        if t.status in ("sent", "paid"):
            live[st.id].append(t)
        if t.status == "sent":
            sent[st.structure_id] += t.amount_cents
    for st in statements.values():
        states = sorted(t.status for t in live[st.id])
        wanted = {"paid": ["paid"], "in_payment": ["sent"]}.get(st.status, [])
        if states != wanted:
            report.add("statement_status", f"relevé {st.number} ({st.status}) : virements {states}")
        if st.status == "paid":
            unpaid = session.scalar(
                select(func.count())
                .select_from(Redemption)
                .join(Voucher, Voucher.id == Redemption.voucher_id)
                .where(Redemption.statement_id == st.id, Voucher.state != VoucherState.REIMBURSED)
            )
            if unpaid:
                report.add(
                    "statement_vouchers",
                    f"relevé {st.number} payé mais {unpaid} chèque(s) non remboursé(s)",
                )
    for structure in {st.structure_id for st in statements.values()}:
        balance = journal.balance(session, ledger.in_payment(structure))
        if balance != -sent[structure]:
            report.add(
                "in_payment",
                f"lieu {structure} : en paiement {balance}, virements envoyés {sent[structure]}",
                account=ledger.in_payment(structure),
            )


def _bank_lines(session: Session, report: Report) -> None:
    transfers = {
        int(i): (str(e), int(s))
        for i, e, s in session.execute(
            select(
                PaymentTransfer.id,
                PaymentTransfer.end_to_end_id,
                func.coalesce(PaymentTransfer.statement_id, -PaymentTransfer.credit_note_id),
            )
        )
    }
    by_e2e = {e: i for i, (e, _) in transfers.items()}
    numbers = {int(i): str(n) for i, n in session.execute(select(Statement.id, Statement.number))}
    numbers |= {
        -int(i): str(n) for i, n in session.execute(select(CreditNote.id, CreditNote.number))
    }
    net: dict[int, int] = defaultdict(int)
    for m in session.scalars(select(BankMovement).where(BankMovement.transfer_id.isnot(None))):
        tid = int(m.transfer_id or 0)
        named = by_e2e.get(m.end_to_end_id or "")
        if named is not None and named != tid:
            report.add(
                "bank_line_transfer",
                f"ligne bancaire {m.reference or m.id} : virement {m.end_to_end_id} "
                f"attribuée au virement {transfers[tid][0]}",
            )
        if m.outcome in ("paid", "returned"):
            net[transfers[named if named is not None else tid][1]] += (
                1 if m.outcome == "paid" else -1
            )
    for statement_id, count in sorted(net.items()):
        if count > 1:
            report.add(
                "statement_paid_twice",
                f"relevé {numbers[statement_id]} payé {count} fois par la banque",
            )
        elif count < 0:
            report.add(
                "bank_line_return",
                f"relevé {numbers[statement_id]} : retour sans paiement correspondant",
            )


def verify(session: Session) -> Report:
    report = Report()
    _numbering(session, report, Statement, "relevés")
    _numbering(session, report, CreditNote, "avoirs")
    funder_invoices.check(session, report)  # funders' quotes and invoices
    statements = _statements(session, report)
    _transfers(session, report, statements)
    _bank_lines(session, report)
    return report
