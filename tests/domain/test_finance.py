"""Pure finance rules: Paris periods, numbers and EndToEndIds, funder splits, bank-line
matching, and the accounting mapping and formats."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voucher.domain import accounting, finance
from voucher.domain.errors import DomainError
from voucher.domain.finance import BankLine, OpenTransfer, Period


def test_periods_are_paris_months_written_aaaa_mm():
    p = Period.parse("2026-3")
    assert str(p) == "2026-03" and p.label == "mars 2026"
    assert p.bounds() == (
        datetime(2026, 2, 28, 23, tzinfo=UTC),
        datetime(2026, 3, 31, 22, tzinfo=UTC),
    )
    assert Period.parse("2026-10").bounds()[1] == datetime(2026, 10, 31, 23, tzinfo=UTC)
    assert Period(2026, 1).previous() == Period(2025, 12) and Period(2026, 12).next() == Period(
        2027, 1
    )
    assert Period.of(datetime(2026, 3, 31, 22, 30, tzinfo=UTC)) == Period(2026, 4)
    for bad in ("2026-13", "26-10", "octobre", "", "2026-00"):
        with pytest.raises(DomainError) as refused:
            Period.parse(bad)
        assert refused.value.code == "invalid_period"


def test_numbers_and_end_to_end_ids_fit_the_sepa_rules():
    assert finance.statement_number(2026, 42) == "2026-000042"
    assert finance.credit_note_number(2026, 3) == "AV-2026-0003"
    e2e = finance.end_to_end_id("2026-999999", 99)
    assert e2e == "REL-2026-999999-99" and len(e2e) <= 35
    assert len(finance.remittance("2026-000001", "octobre 2026")) <= 140


@given(st.integers(0, 10**9), st.lists(st.integers(1, 9999), max_size=3, unique=True))
def test_funder_totals_always_add_up_to_the_cent(total, cuts):
    points = [0, *sorted(cuts), 10_000]
    shares = [(i + 1, b - a) for i, (a, b) in enumerate(zip(points, points[1:], strict=False))]
    split = finance.funder_totals([(7, total)], {7: shares})
    assert sum(split.values()) == total
    assert all(abs(split[f] - total * bp / 10_000) < 1 for f, bp in shares)


def line(
    amount=1000,
    direction="DBIT",
    e2e=None,
    ibans=("FR76A",),
    booked=True,
    day=date(2026, 6, 4),
    reason=None,
    reversal=False,
    index=0,
):
    return BankLine(
        index, amount, "EUR", direction, booked, reversal, day, e2e, ibans, reason, None, None
    )


T1 = OpenTransfer(1, "REL-2026-000001-1", 1000, "FR76A", date(2026, 6, 3), "sent")
T2 = OpenTransfer(2, "REL-2026-000002-1", 1000, "FR76B", date(2026, 6, 3), "sent")
T3 = OpenTransfer(3, "REL-2026-000003-1", 1000, "FR76A", date(2026, 6, 3), "sent")


def test_end_to_end_id_wins_over_amount_and_iban():
    (m,) = finance.match_lines([line(e2e=T2.end_to_end_id, ibans=("FR76A",))], [T1, T2])
    assert (m.transfer_id, m.outcome, m.matched_by) == (2, "paid", "end_to_end_id")


def test_amount_iban_date_needs_exactly_one_candidate():
    (m,) = finance.match_lines([line(ibans=("FR76B",))], [T1, T2])
    assert (m.transfer_id, m.matched_by) == (2, "amount_iban_date")
    (ambiguous,) = finance.match_lines([line(ibans=("FR76A",))], [T1, T3])
    assert ambiguous.outcome == "unmatched" and ambiguous.note == "plusieurs virements possibles"


def test_a_debit_then_its_return_in_one_file_give_paid_then_returned():
    lines = [
        line(e2e=T1.end_to_end_id),
        line(direction="CRDT", e2e=T1.end_to_end_id, reason="AC04", index=1),
        line(e2e=T1.end_to_end_id, index=2),
    ]
    assert [m.outcome for m in finance.match_lines(lines, [T1])] == [
        "paid",
        "returned",
        "already_settled",
    ]


def test_pending_lines_other_currencies_plain_credits_and_wrong_amounts_stay_unmatched():
    lines = [
        line(booked=False, e2e=T1.end_to_end_id),
        line(direction="CRDT"),
        line(amount=999, e2e=T1.end_to_end_id),
    ]
    assert [m.outcome for m in finance.match_lines(lines, [T1])] == ["unmatched"] * 3


def test_return_reasons_read_in_french():
    assert finance.reason_fr("ac04") == "compte clôturé (AC04)"
    assert finance.reason_fr(None) == "motif non précisé"


def test_blocked_reasons_name_what_is_missing():
    assert finance.blocked_reason(None, True) == "no_bank_details"
    assert finance.blocked_reason("pending", True) == "bank_details_pending"
    assert finance.blocked_reason("rejected", True) == "bank_details_rejected"
    assert finance.blocked_reason("validated", False) == "address_incomplete"
    assert finance.blocked_reason("validated", True) is None


def test_the_accounting_mapping_is_configurable_and_checked():
    m = accounting.mapping_from(
        {
            "accounts": {"payable": ["467500", "Lieux à payer"]},
            "journals": {"payment": ["BQ2", "Banque 2"]},
        }
    )
    assert m.account("payable:12") == ("467500", "Lieux à payer")
    assert m.account("bank") == accounting.DEFAULT_ACCOUNTS["bank"]
    assert m.journal("payment.send") == ("BQ2", "Banque 2")
    assert m.journal("credit_note.refund")[0] == "BQ" and m.journal("credit_note.issue")[0] == "AV"
    assert m.journal("batch.issue") == accounting.DEFAULT_JOURNAL
    for bad in ({"accounts": {"bank": "512"}}, {"other": 1}, {"journals": {"x": ["", "y"]}}):
        with pytest.raises(DomainError) as refused:
            accounting.mapping_from(bad)
        assert refused.value.code == "invalid_fec_mapping"
    with pytest.raises(DomainError):
        accounting.Mapping(accounts={}).account("bank")


def test_fec_formats():
    assert accounting.fec_amount(123456) == "1234,56" and accounting.fec_amount(5) == "0,05"
    assert accounting.parse_fec_amount("1234,56") == 123456
    assert accounting.fec_date(date(2026, 3, 1)) == "20260301"
    assert accounting.file_name("123 456 789", date(2026, 12, 31)) == "123456789FEC20261231"
    assert (
        accounting.auxiliary("payable:12") == "S000012"
        and accounting.auxiliary("funder_funds:3:7") == "F000003"
    )
    assert accounting.auxiliary("bank") is None
    assert accounting.clean("a|b\tc\r\nd") == "a/b c d"
    assert len(accounting.FEC_COLUMNS) == 18
