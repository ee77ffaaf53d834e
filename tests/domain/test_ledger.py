"""Ledger maths and money, with worked examples."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from voucher.domain import ledger
from voucher.domain.errors import DomainError
from voucher.domain.money import format_eur, parse_eur, split_by_shares


def test_an_entry_must_balance():
    with pytest.raises(DomainError) as exc:
        ledger.balanced([ledger.Posting("bank", 100), ledger.Posting("funder_funds:1:1", -99)])
    assert exc.value.code == "unbalanced_entry"


def test_an_entry_needs_two_non_zero_postings():
    with pytest.raises(DomainError):
        ledger.balanced([ledger.Posting("bank", 0), ledger.Posting("x:1", 0)])
    with pytest.raises(DomainError):
        ledger.balanced(ledger.move(100, "bank", "bank"))


def test_amounts_must_be_integer_cents():
    with pytest.raises(DomainError):
        ledger.balanced([ledger.Posting("bank", 10.5), ledger.Posting("x:1", -10.5)])  # type: ignore[arg-type]


def test_redemption_moves_value_from_outstanding_to_payable():
    # worked example: a 10 EUR voucher accepted at structure 7 (prescriber 3, programme 1)
    lines = ledger.balanced(ledger.move(1000, ledger.outstanding(1, 3), ledger.payable(7)))
    assert {(p.account, p.amount) for p in lines} == {
        ("outstanding:1:3", 1000),
        ("payable:7", -1000),
    }


def test_funds_received_grow_bank_and_funder_funds():
    lines = ledger.balanced(ledger.move(50_000, ledger.bank(), ledger.funder_funds(2, 1)))
    assert {(p.account, p.amount) for p in lines} == {
        ("bank", 50_000),
        ("funder_funds:2:1", -50_000),
    }


def test_entry_hash_changes_when_any_amount_changes():
    h1 = ledger.entry_hash("r", "k", "t", [("a", 5), ("b", -5)])
    assert h1 == ledger.entry_hash("r", "k", "t", [("b", -5), ("a", 5)])
    assert h1 != ledger.entry_hash("r", "k", "t", [("a", 6), ("b", -6)])
    assert ledger.seal_hash(ledger.GENESIS, [h1]) != ledger.seal_hash(ledger.GENESIS, [h1, h1])


@given(st.integers(min_value=0, max_value=10**12), st.integers(min_value=1, max_value=9_999))
def test_shares_always_sum_to_the_total(total, bp):
    parts = split_by_shares(total, [("a", bp), ("b", 10_000 - bp)])
    assert parts["a"] + parts["b"] == total
    assert abs(parts["a"] - total * bp / 10_000) < 1


def test_fifty_fifty_split_of_an_odd_amount():
    assert split_by_shares(1001, [("fondation", 5000), ("departement", 5000)]) == {
        "fondation": 501,
        "departement": 500,
    }


def test_money_is_formatted_the_french_way_and_parsed_back():
    assert format_eur(1234567) == "12\u202f345,67\u00a0€"
    assert format_eur(-5) == "-0,05\u00a0€"
    assert parse_eur("1 500,50 €") == 150050
    assert parse_eur("10") == 1000
    for bad in ["", "1,234", "abc", "1.2.3"]:
        with pytest.raises(ValueError):
            parse_eur(bad)
    with pytest.raises(TypeError):
        format_eur(10.0)  # type: ignore[arg-type]


def test_the_entry_hash_is_the_sha256_of_the_canonical_json():
    """The encoder built once writes what ``json.dumps`` with the canonical separators
    writes (non-ASCII escaped, postings sorted), so hashes stay those already stored."""
    import hashlib
    import json

    from voucher.domain import ledger

    lines = [("payable:7", -1250), ("outstanding:1:2", 1250)]
    for ref, kind, at in (
        ("0f" * 16, "redemption.accepted", "2026-12-01T23:30:00.123456+00:00"),
        ("ab" * 16, "règlement «été»", "2026-01-01T00:00:00+00:00"),
    ):
        body = json.dumps([ref, kind, at, sorted(lines)], separators=(",", ":"))
        expected = hashlib.sha256(body.encode()).hexdigest()
        assert ledger.entry_hash(ref, kind, at, lines) == expected
