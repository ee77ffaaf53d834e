"""The pure decision: can this voucher be accepted here today?"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from voucher.domain.acceptance import ScanFacts, refusal

OK = ScanFacts(
    state="distributed",
    today=date(2026, 6, 1),
    valid_from=date(2026, 1, 1),
    valid_until=date(2026, 12, 31),
    grace_days=31,
    is_structure=True,
    labelled=True,
    structure_listed=True,
    label_accepted=True,
    in_zone=True,
)


def test_a_distributed_voucher_at_a_labelled_structure_in_zone_is_accepted():
    assert refusal(OK) is None
    assert refusal(replace(OK, state="active")) is None


@pytest.mark.parametrize(
    "state,code",
    [
        ("issued", "not_active"),
        ("redeemed", "already_redeemed"),
        ("reimbursed", "already_redeemed"),
        ("held", "held"),
        ("cancelled", "cancelled"),
        ("expired", "expired"),
    ],
)
def test_states_that_cannot_be_scanned(state, code):
    assert refusal(replace(OK, state=state)) == code


def test_grace_period_counts_in_whole_paris_days():
    assert refusal(replace(OK, today=date(2027, 1, 31))) is None
    assert refusal(replace(OK, today=date(2027, 2, 1))) == "expired"
    assert refusal(replace(OK, today=date(2025, 12, 31))) == "not_yet_valid"


@pytest.mark.parametrize(
    "field,code",
    [
        ("is_structure", "not_a_structure"),
        ("labelled", "structure_not_labelled"),
        ("structure_listed", "not_accepted_here"),
        ("label_accepted", "not_accepted_here"),
        ("in_zone", "not_accepted_here"),
    ],
)
def test_structure_rules(field, code):
    assert refusal(replace(OK, **{field: False})) == code
