"""The tax auditor's side of the FEC: the files of two fiscal years checked the way the
administration's *Test Compta Demat* checks them (18 columns and their formats, one
separator, dates AAAAMMJJ within the fiscal year, each entry and the file balanced,
continuous numbering per journal, one label per journal and per account, lettrage that
balances), the second year opened by its à-nouveaux, the bank journal holding the bank's
movements only, and the bank account at 31 December equal to the bank's closing balance."""

from __future__ import annotations

import re
from collections import defaultdict
from datetime import date

import pytest

from tests.documents import camt_files as cf
from tests.services.finance import finance_world as fw
from tests.services.finance.test_payments import DEBTOR
from voucher.db.models import PaymentTransfer
from voucher.documents import fec
from voucher.domain import accounting, calendar
from voucher.domain.accounting import FEC_COLUMNS, parse_fec_amount
from voucher.domain.errors import DomainError
from voucher.domain.finance import Period
from voucher.services.context import SYSTEM
from voucher.services.finance import accounting as service
from voucher.services.finance import close, payments, reconciliation, settlement

MAPPING = accounting.Mapping()
Y1, Y2 = 2026, 2027
DATE = re.compile(r"^\d{8}$")
AMOUNT = re.compile(r"^\d+,\d{2}$")
OPTIONAL = {"CompAuxNum", "CompAuxLib", "EcritureLet", "DateLet", "Montantdevise", "Idevise"}
REQUIRED = [c for c in FEC_COLUMNS if c not in OPTIONAL]


def _day(text: str) -> date:
    assert DATE.fullmatch(text), text
    return date(int(text[:4]), int(text[4:6]), int(text[6:]))


def _cents(r: dict[str, str]) -> int:
    return parse_fec_amount(r["Debit"]) - parse_fec_amount(r["Credit"])


def compta_demat(text: str, year: int) -> list[dict[str, str]]:
    """The checks of Test Compta Demat on one fiscal year's file; returns its lines."""
    lines = text.split("\r\n")
    assert lines[-1] == "" and all("\n" not in ln and "\r" not in ln for ln in lines)
    header = lines[0]
    separator = "\t" if "\t" in header else "|"
    assert header.split(separator) == list(FEC_COLUMNS)
    rows = []
    for line in lines[1:-1]:
        fields = line.split(separator)
        assert len(fields) == 18, line
        rows.append(dict(zip(FEC_COLUMNS, fields, strict=True)))
    assert rows
    journal_labels: dict[str, set[str]] = defaultdict(set)
    account_labels: dict[str, set[str]] = defaultdict(set)
    aux_labels: dict[str, set[str]] = defaultdict(set)
    entries: dict[str, list[dict[str, str]]] = defaultdict(list)
    order: list[str] = []
    for r in rows:
        for name in REQUIRED:
            assert r[name].strip(), (name, r)
        for name in ("EcritureDate", "PieceDate", "ValidDate"):
            _day(r[name])
        assert _day(r["EcritureDate"]).year == year and _day(r["ValidDate"]).year == year
        assert AMOUNT.fullmatch(r["Debit"]) and AMOUNT.fullmatch(r["Credit"])
        assert (parse_fec_amount(r["Debit"]) == 0) != (parse_fec_amount(r["Credit"]) == 0), r
        assert re.fullmatch(r"[1-9]\d{2,}", r["CompteNum"]), r["CompteNum"]
        assert bool(r["CompAuxNum"]) == bool(r["CompAuxLib"])
        assert bool(r["EcritureLet"]) == bool(r["DateLet"])
        assert r["Montantdevise"] == r["Idevise"] == ""
        journal_labels[r["JournalCode"]].add(r["JournalLib"])
        account_labels[r["CompteNum"]].add(r["CompteLib"])
        if r["CompAuxNum"]:
            aux_labels[r["CompAuxNum"]].add(r["CompAuxLib"])
        if not order or order[-1] != r["EcritureNum"]:
            assert r["EcritureNum"] not in entries, "an entry's lines are not together"
            order.append(r["EcritureNum"])
        entries[r["EcritureNum"]].append(r)
    assert all(len(v) == 1 for v in journal_labels.values()), journal_labels
    assert all(len(v) == 1 for v in account_labels.values()), account_labels
    assert all(len(v) == 1 for v in aux_labels.values()), aux_labels
    numbers: dict[str, list[tuple[int, date]]] = defaultdict(list)
    for num, lines_of in entries.items():
        assert len({(r["JournalCode"], r["EcritureDate"], r["PieceRef"]) for r in lines_of}) == 1
        assert len(lines_of) >= 2 and sum(_cents(r) for r in lines_of) == 0, num
        numbers[lines_of[0]["JournalCode"]].append(
            (int(num.rsplit("-", 1)[1]), _day(lines_of[0]["EcritureDate"]))
        )
    for journal, seq in numbers.items():
        assert [n for n, _ in seq] == list(range(1, len(seq) + 1)), journal
        assert [d for _, d in seq] == sorted(d for _, d in seq), journal
    assert sum(_cents(r) for r in rows) == 0
    lettered: dict[tuple[str, str, str], list[dict[str, str]]] = defaultdict(list)
    for r in rows:
        if r["EcritureLet"]:
            lettered[(r["CompteNum"], r["CompAuxNum"], r["EcritureLet"])].append(r)
    for key, group in lettered.items():
        assert sum(_cents(r) for r in group) == 0, key
        assert len({r["DateLet"] for r in group}) == 1
        done = _day(group[0]["DateLet"])
        assert done.year == year and all(_day(r["EcritureDate"]) <= done for r in group)
    return rows


class Bank:
    """The bank's own side: it knows its balance, not the books'."""

    def __init__(self, opening: int) -> None:
        self.balance = opening

    def statement(self, transfers, booked: date, *, returned: str | None = None) -> bytes:
        """A camt.053 of ``booked`` debiting each transfer (the last one then returned)."""
        lines = [
            cf.Line(t.amount_cents, e2e=t.end_to_end_id, iban=t.iban, booked=booked)
            for t in transfers
        ]
        if returned:
            t = transfers[-1]
            lines.append(
                cf.Line(
                    t.amount_cents,
                    "CRDT",
                    t.end_to_end_id,
                    t.iban,
                    booked=booked,
                    return_reason=returned,
                )  # fmt: skip
            )
        data = cf.camt053(lines, opening=self.balance, day=booked, number=booked.isoformat())
        self.balance += sum(ln.amount_cents * (1 if ln.direction == "CRDT" else -1) for ln in lines)
        return data


def _settle(session, data: bytes, when) -> None:
    with calendar.at(when):
        imp = settlement.import_file(session, SYSTEM, data, "releve.xml")
        settlement.apply_import(session, SYSTEM, imp.id)


def _run(session, when, execution: date) -> list[PaymentTransfer]:
    with calendar.at(when):
        result = payments.create_run(
            session, SYSTEM, debtor=DEBTOR, version="pain.001.001.09", execution_date=execution
        )
    return list(session.query(PaymentTransfer).filter_by(run_id=result.run_id))


def two_years(session) -> int:
    """March closed, paid in June (one transfer paid then returned, sent again and paid in
    July); November closed, sent on 30 December, debited by the bank on 4 January; December
    closed and paid in January. Returns the bank's closing balance at 31 December."""
    w = fw.world(session, structures=2)
    bank = Bank(reconciliation.books_balance(session, date(Y1, 1, 31)))  # the funders' money
    for i in range(2):
        fw.scan(session, w, fw.paris(Y1, 3, 3 + i), structure=i)
        fw.scan(session, w, fw.paris(Y1, 11, 3 + i), structure=i)
        fw.scan(session, w, fw.paris(Y1, 12, 3 + i), structure=i)
    with calendar.at(fw.paris(Y1, 4, 2)):
        close.close_month(session, SYSTEM, Period(Y1, 3))
    june = _run(session, fw.paris(Y1, 6, 2), date(Y1, 6, 3))
    _settle(session, bank.statement(june, date(Y1, 6, 3), returned="MS03"), fw.paris(Y1, 6, 5))
    again = _run(session, fw.paris(Y1, 7, 1), date(Y1, 7, 2))
    _settle(session, bank.statement(again, date(Y1, 7, 2)), fw.paris(Y1, 7, 3))
    with calendar.at(fw.paris(Y1, 12, 2)):
        close.close_month(session, SYSTEM, Period(Y1, 11))
    late = _run(session, fw.paris(Y1, 12, 28), date(Y1, 12, 30))
    year_end = bank.statement([], date(Y1, 12, 31))
    with calendar.at(fw.paris(Y2, 1, 2)):
        close.close_month(session, SYSTEM, Period(Y1, 12))
        imp = settlement.import_file(session, SYSTEM, year_end, "fin-annee.xml")
        settlement.apply_import(session, SYSTEM, imp.id)
    _settle(session, bank.statement(late, date(Y2, 1, 4)), fw.paris(Y2, 1, 5))
    january = _run(session, fw.paris(Y2, 1, 6), date(Y2, 1, 7))
    _settle(session, bank.statement(january, date(Y2, 1, 7)), fw.paris(Y2, 1, 8))
    assert (
        imp.closing_cents is not None and reconciliation.reconcile(session, imp.id).difference == 0
    )
    return int(imp.closing_cents)


def export(session, year: int, separator: str = "|") -> str:
    span = service.Span(date(year, 1, 1), date(year, 12, 31))
    return "".join(fec.lines(service.fec_rows(session, span, MAPPING), separator))


def _balances(rows: list[dict[str, str]]) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = defaultdict(int)
    for r in rows:
        out[(r["CompteNum"], r["CompAuxNum"])] += _cents(r)
    return {k: v for k, v in out.items() if v}


def test_two_fiscal_years_pass_the_administrations_checks_and_the_second_opens_with_a_nouveaux(
    session,
):
    bank_at_year_end = two_years(session)
    first = compta_demat(export(session, Y1), Y1)
    second = compta_demat(export(session, Y2, "\t"), Y2)
    assert not [r for r in first if r["JournalCode"] == "AN"]
    opening = [r for r in second if r["JournalCode"] == "AN"]
    assert opening and second[: len(opening)] == opening
    assert {r["EcritureNum"] for r in opening} == {f"AN{Y2}-000001"}
    assert {r["EcritureDate"] for r in opening} == {f"{Y2}0101"}
    assert _balances(opening) == _balances(first)
    assert _balances(first)[("512000", "")] == bank_at_year_end
    assert _balances(second)[("512000", "")] == bank_at_year_end + sum(
        _cents(r) for r in second if r["CompteNum"] == "512000" and r["JournalCode"] != "AN"
    )


def test_the_bank_journal_holds_the_bank_movements_and_only_them(session):
    two_years(session)
    for year in (Y1, Y2):
        rows = compta_demat(export(session, year), year)
        per_entry: dict[str, set[str]] = defaultdict(set)
        journal_of: dict[str, str] = {}
        for r in rows:
            per_entry[r["EcritureNum"]].add(r["CompteNum"])
            journal_of[r["EcritureNum"]] = r["JournalCode"]
        for num, accounts_of in per_entry.items():
            if journal_of[num] != "AN":
                assert ("512000" in accounts_of) == (journal_of[num] == "BQ"), num
        sent = [r for r in rows if r["EcritureLib"].startswith("Virement émis")]
        assert sent and {r["JournalCode"] for r in sent} == {"VE"}
        assert {r["JournalLib"] for r in rows if r["JournalCode"] == "BQ"} == {"Banque"}


def test_each_structures_payable_lines_are_lettered_to_the_transfer_that_cleared_them(session):
    two_years(session)
    rows = compta_demat(export(session, Y1), Y1)
    payable = [r for r in rows if r["CompteNum"] == "401000"]
    sends = [r for r in payable if r["EcritureLib"].startswith("Virement émis")]
    assert sends and all(r["EcritureLet"] == r["PieceRef"] for r in sends)
    for send in sends:
        group = [
            r
            for r in payable
            if r["EcritureLet"] == send["EcritureLet"] and r["CompAuxNum"] == send["CompAuxNum"]
        ]
        scans = [r for r in group if r["JournalCode"] == "CH"]
        assert scans and sum(_cents(r) for r in group) == 0
        assert send["DateLet"] == max(r["EcritureDate"] for r in group)
    # the November transfers were sent in December and debited in January: their
    # in-payment lines stay open in the first year and are lettered in the second
    in_payment_y1 = [r for r in rows if r["CompteNum"] == "467300"]
    assert [r for r in in_payment_y1 if not r["EcritureLet"]]
    second = compta_demat(export(session, Y2), Y2)
    carried = [r for r in second if r["JournalCode"] == "AN" and r["CompteNum"] == "467300"]
    assert carried and all(r["EcritureLib"].endswith(f"relevé {r['EcritureLet']}") for r in carried)
    for r in carried:
        settled = [
            x for x in second if x["EcritureLet"] == r["EcritureLet"] and x["JournalCode"] == "BQ"
        ]
        assert settled and settled[0]["EcritureDate"] == f"{Y2}0104"


def test_a_returned_transfer_sent_again_letters_every_attempt_together(session):
    two_years(session)
    rows = compta_demat(export(session, Y1), Y1)
    returned = [
        r
        for r in rows
        if r["EcritureLib"].startswith("Virement retourné") and r["CompteNum"] == "401000"
    ]
    assert returned
    for r in returned:
        group = [
            x
            for x in rows
            if x["EcritureLet"] == r["EcritureLet"] and x["CompteNum"] == r["CompteNum"]
        ]
        kinds = sorted(x["EcritureLib"].split(" - ")[0] for x in group)
        assert kinds.count("Virement émis") == 2 and r["EcritureLet"]


def test_a_fec_is_one_fiscal_year(session):
    with pytest.raises(DomainError) as refused:
        service.fec_rows(session, service.Span(date(Y1, 12, 1), date(Y2, 1, 31)), MAPPING)
    assert refused.value.code == "fec_two_years"


def test_a_journal_code_has_one_label():
    with pytest.raises(DomainError) as refused:
        accounting.mapping_from(
            {"journals": {"funds": ["BQ", "Banque A"], "payment.settle": ["BQ", "Banque B"]}}
        )
    assert refused.value.code == "invalid_fec_mapping"
    renamed = accounting.mapping_from({"journals": {"funds": ["BQ", "Banque Crédit Coopératif"]}})
    assert renamed.journal("payment.settle") == ("BQ", "Banque Crédit Coopératif")
    assert renamed.journal("payment.send")[0] == "VE"
