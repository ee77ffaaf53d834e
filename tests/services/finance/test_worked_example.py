"""A worked finance month: redemptions, a cancellation, a hold
released after the close, a blocked structure and a rejected transfer. Statements,
journal, SEPA file, bank settlement and FEC all agree to the cent."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import select

from tests.documents import camt_files as cf
from tests.services.finance import finance_world as fw
from tests.services.finance.test_payments import DEBTOR
from voucher.db.models import Hold, PaymentRun, PaymentTransfer, Statement
from voucher.documents import fec, sepa
from voucher.domain import accounting, calendar, ledger
from voucher.domain.accounting import parse_fec_amount
from voucher.domain.finance import Period
from voucher.services.context import SYSTEM
from voucher.services.finance import accounting as exports
from voucher.services.finance import (
    close,
    journal,
    ledger_audit,
    payments,
    settlement,
    statements_check,
)
from voucher.services.redemption import cancel, holds


def at(y, m, d):
    return calendar.at(fw.paris(y, m, d, 10))


def test_october_from_scans_to_bank_to_fec(session):
    quiet = fw.world(session, structures=3, banked=2)  # EPN, Lieu 2 banked; Lieu 3 not
    strict = fw.world(session, fraud_thresholds={}, handout_policy="hold")
    strict.structures = quiet.structures
    epn, lieu2, lieu3 = quiet.structures
    # October: 3 scans at the EPN (one cancelled), 2 at Lieu 2, 1 at Lieu 3 (blocked), 1 held at the EPN
    fw.scan(session, quiet, fw.paris(2026, 10, 2))
    fw.scan(session, quiet, fw.paris(2026, 10, 9))
    undone = fw.scan(session, quiet, fw.paris(2026, 10, 31, 23, 59))
    with calendar.at(fw.paris(2026, 10, 31, 23, 59)):
        cancel.cancel(session, fw.RECEPTION, undone.redemption_id, structure_id=epn.id)
    fw.scan(session, quiet, fw.paris(2026, 10, 3), structure=1)
    fw.scan(session, quiet, fw.paris(2026, 10, 25, 2, 30), structure=1)  # the night clocks go back
    fw.scan(session, quiet, fw.paris(2026, 10, 15), structure=2)
    held = fw.scan(session, strict, fw.paris(2026, 10, 20))
    fw.scan(session, quiet, fw.paris(2026, 11, 1, 0, 1))  # November already
    assert ledger_audit.verify(session).ok

    with at(2026, 11, 2):
        october = close.close_month(session, SYSTEM, Period(2026, 10))
    stated = {s.structure_id: (s.line_count, s.total_cents) for s in october.created}
    assert stated == {epn.id: (2, 2000), lieu2.id: (2, 2000)}
    assert [(b.structure_id, b.total_cents) for b in october.blocked] == [(lieu3.id, 1000)]

    reviewer = fw.person(session, strict.w.funder_a.id, "funder")
    with at(2026, 11, 3):
        holds.release(
            session,
            reviewer,
            session.scalar(select(Hold.id).where(Hold.redemption_id == held.redemption_id)),
        )
        result = payments.create_run(
            session,
            SYSTEM,
            debtor=DEBTOR,
            version="pain.001.001.03",
            execution_date=date(2026, 11, 4),
        )
    file = session.get(PaymentRun, result.run_id).file
    assert sepa.validate(file, "pain.001.001.03") == []
    assert b"<CtrlSum>40.00</CtrlSum>" in file and result.total_cents == 4000
    transfers = {t.statement_id: t for t in session.scalars(select(PaymentTransfer))}
    ok = next(
        t
        for t in transfers.values()
        if session.get(Statement, t.statement_id).structure_id == epn.id
    )
    ko = next(t for t in transfers.values() if t is not ok)

    with at(2026, 11, 6):
        imp = settlement.import_file(
            session,
            SYSTEM,
            cf.camt053(
                [
                    cf.Line(
                        ok.amount_cents,
                        e2e=ok.end_to_end_id,
                        iban=ok.iban,
                        booked=date(2026, 11, 5),
                    ),
                    cf.Line(
                        ko.amount_cents,
                        "CRDT",
                        ko.end_to_end_id,
                        ko.iban,
                        booked=date(2026, 11, 6),
                        return_reason="AC04",
                    ),
                ]
            ),
            "octobre.xml",
        )
        done = settlement.apply_import(session, SYSTEM, imp.id)
    assert len(done.paid) == 1 and len(done.rejected) == 1

    # the ledger, to the cent
    assert journal.balance(session, ledger.in_payment(epn.id)) == 0  # paid
    assert (
        journal.balance(session, ledger.payable(epn.id)) == -2000
    )  # released hold + November scan
    assert journal.balance(session, ledger.payable(lieu2.id)) == -2000  # rejected: owed again
    assert journal.balance(session, ledger.payable(lieu3.id)) == -1000  # blocked
    assert ledger_audit.verify(session).ok

    # November's close takes the released hold and the November scan at the EPN
    with at(2026, 12, 1):
        november = close.close_month(session, SYSTEM, Period(2026, 11))
    assert {s.structure_id: (s.line_count, s.total_cents) for s in november.created} == {
        epn.id: (2, 2000)
    }
    assert [s.number for s in session.scalars(select(Statement).order_by(Statement.seq))] == [
        "2026-000001",
        "2026-000002",
        "2026-000003",
    ]

    # the FEC says the same: bank paid 20,00 to the EPN, 20,00 went back to Lieu 2
    rows = fec.read(
        "".join(
            fec.lines(
                exports.fec_rows(
                    session,
                    exports.Span(date(2026, 1, 1), date(2026, 12, 31)),
                    accounting.Mapping(),
                )
            )
        )
    )
    per_label: dict[str, int] = defaultdict(int)
    for r in rows:
        per_label[(r["EcritureLib"].split(" - ")[0], r["CompteNum"])] += parse_fec_amount(
            r["Debit"]
        ) - parse_fec_amount(r["Credit"])
    assert per_label[("Virement confirmé par la banque", "512000")] == -2000
    assert per_label[("Virement émis", "467300")] == -4000
    assert per_label[("Virement rejeté", "401000")] == -2000
    assert (
        per_label[("Chèque encaissé", "401000")] == -7000
    )  # 7 accepted scans (incl. the cancelled one)
    assert per_label[("Scan annulé", "401000")] == 1000
    balance = exports.trial_balance(
        session, exports.Span(date(2026, 1, 1), date(2026, 12, 31)), accounting.Mapping()
    )
    t = exports.totals(balance)
    assert t["debit"] == t["credit"]
    assert statements_check.verify(session).ok
