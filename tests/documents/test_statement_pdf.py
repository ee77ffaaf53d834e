"""Statement and credit-note PDFs: French, with an embedded font carrying € and accents,
every voucher line, totals per programme and per funder, the number and the journal hash."""

from __future__ import annotations

from datetime import date, datetime

import pypdfium2

from voucher.documents.statement_pdf import (
    CreditNoteDoc,
    StatementDoc,
    StatementLine,
    credit_note_pdf,
    statement_pdf,
)
from voucher.domain.calendar import PARIS

LINES = [
    StatementLine(
        datetime(2026, 10, 31, 23, 59, tzinfo=PARIS),
        4217 + n // 10,
        n % 10 + 1,
        10,
        "Démarches administratives",
        "Pass numérique Vienne 2026",
        1000,
    )
    for n in range(60)
]
DOC = StatementDoc(
    number="2026-000042",
    period_label="octobre 2026",
    first_day=date(2026, 10, 1),
    last_day=date(2026, 10, 31),
    structure_name="Médiathèque de Châtellerault (fictive)",
    siret="90000020800013",
    address=["1 place de la Mairie", "86000 Vienne", "France"],
    iban_tail="1253",
    lines=LINES,
    programmes=[("Pass numérique Vienne 2026", 60, 60_000)],
    funders=[("Département de la Vienne", 30_000), ("Fondation Numérique Solidaire", 30_000)],
    total_cents=60_000,
    journal_hash="ab" * 32,
    created_at=datetime(2026, 11, 2, 9, tzinfo=PARIS),
    issuer=["Registre des pass (fictif)", "SIRET 12345678200010", "2 rue Neuve, 86000 Poitiers"],
    payment_fr="Payé par virement sur le compte se terminant par 9876, débité le 03/12/2026.",
)


def text_of(pdf: bytes) -> str:
    doc = pypdfium2.PdfDocument(pdf)
    return "\n".join(doc[i].get_textpage().get_text_range() for i in range(len(doc)))


def test_a_statement_prints_every_line_the_totals_the_number_and_the_hash():
    pdf = statement_pdf(DOC)
    text = text_of(pdf)
    assert len(pypdfium2.PdfDocument(pdf)) >= 2  # 60 lines need a second page
    assert "Relevé de remboursement n° 2026-000042" in text
    assert "SIRET 90000020800013" in text and "Médiathèque de Châtellerault" in text
    assert (
        all(text.count(f"{4217 + b:06d}") == 10 for b in range(6))
        and text.count("31/10/2026 23:59") == 60
    )
    assert "600,00 €" in text and "300,00 €" in text and "Part de chaque financeur" in text
    assert "ab" * 32 in text.replace("\r", "").replace("\n", "")
    assert "Relevé n° 2026-000042" in text  # the footer repeats the number on each page
    pages = len(pypdfium2.PdfDocument(pdf))
    assert all(f"page {n}/{pages}" in text for n in range(1, pages + 1))
    assert "Émis par Registre des pass (fictif)" in text and "SIRET 12345678200010" in text
    assert "2 rue Neuve, 86000 Poitiers" in text
    assert "hors du champ de la TVA" in text.replace("\r\n", " ").replace("\n", " ")
    assert "se terminant par 9876" in text and "1253" not in text
    assert b"/FontFile2" in pdf and b"DejaVuSans" in pdf  # embedded TrueType, not a base-14 font


def test_a_credit_note_prints_the_books_and_the_funders_share():
    note = CreditNoteDoc(
        number="AV-2026-0001",
        funder_name="Fondation Numérique Solidaire",
        funder_siret="90000001",
        programme_name="Pass numérique Vienne 2026",
        valid_until=date(2026, 12, 31),
        share_bp=5000,
        amount_cents=13_500,
        programme_breakage_cents=27_000,
        books=[(4217, 7, 7000), (4218, 10, 10_000), (4219, 10, 10_000)],
        created_at=datetime(2027, 2, 5, 10, tzinfo=PARIS),
    )
    text = text_of(credit_note_pdf(note))
    assert "Avoir n° AV-2026-0001" in text and "Votre part (50 %)" in text and "135,00 €" in text
    assert "004217" in text and "270,00 €" in text
