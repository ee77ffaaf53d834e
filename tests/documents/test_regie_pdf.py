"""The régie attestation: the statements paid to a place over a period (settled by the
bank's camt file), per programme, in a PDF whose text says the total and the rules."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pypdfium2 as pdfium
from sqlalchemy import select

from tests.documents import camt_files as cf
from tests.services.finance.test_settlement import sent, settle
from voucher.db.models import Organisation, Statement
from voucher.db.queries import places as q
from voucher.documents.regie_pdf import Attestation, Line, attestation_pdf
from voucher.domain.money import format_eur


def text_of(data: bytes) -> str:
    pdf = pdfium.PdfDocument(data)
    return "\n".join(pdf[i].get_textpage().get_text_range() for i in range(len(pdf)))


def test_the_attestation_lists_what_was_paid_in_the_period(session):
    paid, *_ = sent(session, structures=1)
    settle(
        session, cf.camt053([cf.Line(paid.amount_cents, e2e=paid.end_to_end_id, iban=paid.iban)])
    )
    st = session.get(Statement, paid.statement_id)
    org = session.get(Organisation, st.structure_id)
    year = datetime(2026, 1, 1, tzinfo=UTC)
    found = q.reimbursed(session, org.id, year, datetime(2027, 1, 1, tzinfo=UTC))
    assert [(r.number, r.total_cents) for r in found] == [(st.number, st.total_cents)]
    assert sum(c for _, c in found[0].programmes) == st.total_cents
    assert q.reimbursed(session, org.id, year, datetime(2026, 6, 1, tzinfo=UTC)) == []
    assert session.scalars(select(Statement).where(Statement.status == "paid")).all()
    doc = Attestation(
        structure_name=org.name,
        siret=org.siret or "",
        address=["12 rue de la République", "86000 Poitiers"],
        first_day=date(2026, 1, 1),
        last_day=date(2026, 12, 31),
        lines=[
            Line(r.number, r.period, r.paid_at.date(), r.programmes, r.total_cents) for r in found
        ],
        issued_at=datetime(2026, 11, 30, 10, 0),
    )
    data = attestation_pdf(doc)
    assert data.startswith(b"%PDF-")
    text = text_of(data)
    assert "Attestation de remboursements" in text and st.number in text
    flat = "".join(text.split()).replace("\u202f", "").replace("\xa0", "")
    assert "".join(format_eur(st.total_cents).split()).replace("\u202f", "") in flat
    assert "du01/01/2026au31/12/2026" in flat and "Règles du dispositif" in text
