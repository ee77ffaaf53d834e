"""Accounting exports: the FEC parses back with its 18 columns, debit = credit per entry,
continuous numbers per journal and year (also for a partial period), the legal formats;
the trial balance balances; the XLSX holds the same journal."""

from __future__ import annotations

import io
import re
from collections import defaultdict
from datetime import date

from openpyxl import load_workbook

from tests.documents import camt_files as cf
from tests.services.finance import finance_world as fw
from tests.services.finance.test_payments import closed_march, run
from voucher.documents import fec
from voucher.domain import accounting, calendar
from voucher.domain.accounting import FEC_COLUMNS, parse_fec_amount
from voucher.services.context import SYSTEM
from voucher.services.finance import accounting as service
from voucher.services.finance import journal, payments, settlement
from voucher.services.finance.scope import EVERYTHING

YEAR = service.Span(date(2026, 1, 1), date(2026, 12, 31))
MAPPING = accounting.Mapping()


def busy_year(session):
    w = closed_march(session, structures=2)
    run(session)
    (a, _, _), (b, _, _) = payments.transfers(session, EVERYTHING)
    with calendar.at(fw.paris(2026, 7, 1)):
        imp = settlement.import_file(
            session,
            SYSTEM,
            cf.camt053(
                [
                    cf.Line(a.amount_cents, e2e=a.end_to_end_id, iban=a.iban),
                    cf.Line(b.amount_cents, "CRDT", b.end_to_end_id, b.iban, return_reason="AC04"),
                ]
            ),
            "r.xml",
        )
        settlement.apply_import(session, SYSTEM, imp.id)
    return w


def export(session, span=YEAR, separator="|") -> list[dict[str, str]]:
    text = "".join(fec.lines(service.fec_rows(session, span, MAPPING), separator))
    assert text.endswith("\r\n")
    return fec.read(text)


def test_the_fec_parses_back_with_18_columns_in_order_and_balanced_entries(session):
    busy_year(session)
    text = "".join(fec.lines(service.fec_rows(session, YEAR, MAPPING)))
    header, *body = text.split("\r\n")[:-1]
    assert header.split("|") == list(FEC_COLUMNS)
    assert all(len(line.split("|")) == 18 for line in body)
    rows = fec.read(text)
    per_entry: dict[str, int] = defaultdict(int)
    for r in rows:
        assert (
            re.fullmatch(r"2026\d{4}", r["EcritureDate"])
            and r["PieceDate"] == r["ValidDate"] == r["EcritureDate"]
        )
        assert re.fullmatch(r"\d+,\d{2}", r["Debit"]) and re.fullmatch(r"\d+,\d{2}", r["Credit"])
        assert (parse_fec_amount(r["Debit"]) == 0) != (parse_fec_amount(r["Credit"]) == 0)
        per_entry[r["EcritureNum"]] += parse_fec_amount(r["Debit"]) - parse_fec_amount(r["Credit"])
        assert r["CompteNum"] and r["CompteLib"] and r["JournalCode"] and r["EcritureLib"]
    assert per_entry and all(v == 0 for v in per_entry.values())
    kinds = {r["JournalCode"] for r in rows}
    assert {"BQ", "CH", "OD"} <= kinds


def continuous(rows: list[dict[str, str]]) -> dict[str, list[int]]:
    seen: dict[str, list[int]] = defaultdict(list)
    for r in rows:
        n = int(r["EcritureNum"].rsplit("-", 1)[1])
        if not seen[r["JournalCode"]] or seen[r["JournalCode"]][-1] != n:
            seen[r["JournalCode"]].append(n)
    return seen


def test_entry_numbers_are_continuous_per_journal_and_the_same_in_a_partial_export(session):
    busy_year(session)
    full = export(session)
    for numbers in continuous(full).values():
        assert numbers == list(range(1, len(numbers) + 1))
    june = export(session, service.Span(date(2026, 6, 1), date(2026, 7, 31)), "\t")
    assert june and {r["EcritureNum"] for r in june} <= {r["EcritureNum"] for r in full}
    by_num = {(r["EcritureNum"], r["CompteNum"], r["Debit"], r["Credit"]) for r in full}
    assert all((r["EcritureNum"], r["CompteNum"], r["Debit"], r["Credit"]) in by_num for r in june)
    starts = {j: n[0] for j, n in continuous(june).items()}
    assert starts["BQ"] > 1  # June's bank entries follow January's funds received


def test_payments_carry_the_statement_number_and_the_structure_as_third_party(session):
    busy_year(session)
    rows = [r for r in export(session) if r["EcritureLib"].startswith("Virement émis")]
    assert rows and all(re.fullmatch(r"2026-\d{6}", r["PieceRef"]) for r in rows)
    assert {r["CompteNum"] for r in rows} == {"401000", "467300"}
    assert all(r["CompAuxNum"].startswith("S") and r["CompAuxLib"] for r in rows)


def test_the_trial_balance_balances_and_matches_the_ledger(session):
    busy_year(session)
    lines = service.trial_balance(session, YEAR, MAPPING)
    t = service.totals(lines)
    assert t["debit"] == t["credit"] > 0 and t["opening"] == 0 and t["closing"] == 0
    for line in lines:
        assert line.closing == journal.balance(session, line.account)
    later = service.trial_balance(
        session, service.Span(date(2026, 7, 1), date(2026, 7, 31)), MAPPING
    )
    assert service.totals(later)["opening"] == 0 and any(x.opening for x in later)


def test_the_file_name_is_siren_fec_closing_date():
    assert accounting.file_name("552100554", date(2026, 12, 31)) == "552100554FEC20261231"


def test_the_xlsx_holds_the_journal_and_the_balance(session):
    busy_year(session)
    rows = list(service.fec_rows(session, YEAR, MAPPING))
    lines = service.trial_balance(session, YEAR, MAPPING)
    data = fec.xlsx(
        rows,
        [(t.account, t.number, t.label, t.opening, t.debit, t.credit, t.closing) for t in lines],
    )
    wb = load_workbook(io.BytesIO(data), read_only=True)
    journal = list(wb["Journal"].iter_rows(values_only=True))
    assert list(journal[0]) == list(FEC_COLUMNS) and len(journal) == len(rows) + 1
    assert sum(r[11] for r in journal[1:]) == sum(r[12] for r in journal[1:])
    assert len(list(wb["Balance"].iter_rows(values_only=True))) == len(lines) + 1
