"""The pure decision: can this voucher be accepted here today?"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from voucher.domain.acceptance import ScanFacts, refusal
from voucher.domain.states import TRANSITIONS, VoucherState, can_move

OK = ScanFacts(state="distributed", today=date(2026, 6, 1), valid_from=date(2026, 1, 1),
               valid_until=date(2026, 12, 31), grace_days=31, is_structure=True, structure_id=5,
               labels_today=frozenset({"Pass"}), accepted_labels=frozenset(), accepted_structures=frozenset(),
               has_zones=True, in_zone=True)


def test_a_distributed_voucher_at_a_labelled_structure_in_zone_is_accepted():
    assert refusal(OK) is None
    assert refusal(replace(OK, state="active")) is None


@pytest.mark.parametrize("state,code", [("issued", "not_active"), ("redeemed", "already_redeemed"),
                                        ("reimbursed", "already_redeemed"), ("held", "held"),
                                        ("cancelled", "cancelled"), ("expired", "expired")])
def test_states_that_cannot_be_scanned(state, code):
    assert refusal(replace(OK, state=state)) == code


def test_grace_period_counts_in_whole_paris_days():
    assert refusal(replace(OK, today=date(2027, 1, 31))) is None
    assert refusal(replace(OK, today=date(2027, 2, 1))) == "expired"
    assert refusal(replace(OK, today=date(2025, 12, 31))) == "not_yet_valid"


def test_structure_rules():
    assert refusal(replace(OK, is_structure=False)) == "not_a_structure"
    assert refusal(replace(OK, labels_today=frozenset())) == "structure_not_labelled"
    assert refusal(replace(OK, accepted_structures=frozenset({9}))) == "not_accepted_here"
    assert refusal(replace(OK, accepted_structures=frozenset({5}))) is None
    assert refusal(replace(OK, accepted_labels=frozenset({"Autre"}))) == "not_accepted_here"
    assert refusal(replace(OK, in_zone=False)) == "not_accepted_here"
    assert refusal(replace(OK, has_zones=False, in_zone=False)) is None


def test_final_states_have_no_way_out():
    for state in (VoucherState.REIMBURSED, VoucherState.CANCELLED, VoucherState.EXPIRED):
        assert TRANSITIONS[state] == frozenset()
    assert can_move(VoucherState.ACTIVE, VoucherState.REDEEMED)
    assert not can_move(VoucherState.ISSUED, VoucherState.REDEEMED)
