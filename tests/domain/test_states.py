"""The state machines of vouchers and books, and the checker every bulk move goes through."""

from __future__ import annotations

import pytest

from voucher.domain import states
from voucher.domain.states import (
    BOOK_IN_USE,
    OUTSTANDING,
    SCANNABLE,
    TRANSITIONS,
    UNUSED,
    BookStatus,
    ForbiddenMove,
    VoucherState,
    can_move,
)

S = VoucherState


def test_cancelled_and_expired_vouchers_have_no_way_out():
    for state in (S.CANCELLED, S.EXPIRED):
        assert TRANSITIONS[state] == frozenset()
    assert can_move(S.ACTIVE, S.REDEEMED)
    assert not can_move(S.ISSUED, S.REDEEMED)


def test_a_reimbursed_voucher_only_goes_back_to_redeemed_when_the_bank_returns_the_payment():
    assert TRANSITIONS[S.REIMBURSED] == frozenset({S.REDEEMED})


def test_an_expired_voucher_cannot_be_made_active_again():
    with pytest.raises(ForbiddenMove, match="expired -> active"):
        states.check_move([S.EXPIRED], S.ACTIVE)


def test_one_forbidden_source_is_enough_to_refuse_a_bulk_move():
    with pytest.raises(ForbiddenMove, match="cancelled"):
        states.check_move([S.ACTIVE, S.CANCELLED], S.DISTRIBUTED)


def test_an_allowed_bulk_move_returns_its_sources_sorted_for_the_where_clause():
    assert states.check_move(UNUSED, S.EXPIRED) == (S.ACTIVE, S.DISTRIBUTED, S.ISSUED)
    assert states.check_move(["issued"], "active") == (S.ISSUED,)


def test_unknown_state_names_are_refused():
    with pytest.raises(ValueError):
        states.check_move(["spent"], S.REDEEMED)


def test_sources_for_lists_every_state_a_voucher_may_come_from():
    assert states.sources_for(S.REIMBURSED) == frozenset({S.REDEEMED})
    assert states.sources_for(S.CANCELLED, among=UNUSED) == UNUSED
    assert states.sources_for(S.ACTIVE, among=[S.EXPIRED, S.ISSUED]) == frozenset({S.ISSUED})


def test_the_named_sets_agree_with_the_transitions():
    assert states.sources_for(S.REDEEMED) >= SCANNABLE
    assert OUTSTANDING <= UNUSED
    assert states.sources_for(S.CANCELLED) & states.sources_for(S.EXPIRED) >= UNUSED


def test_a_book_leaves_circulation_once_and_never_comes_back():
    assert states.check_book_move(BOOK_IN_USE, BookStatus.LOST) == (
        BookStatus.HANDED_OUT,
        BookStatus.IN_STOCK,
    )
    with pytest.raises(ForbiddenMove):
        states.check_book_move([BookStatus.REPLACED], BookStatus.LOST)
    with pytest.raises(ForbiddenMove):
        states.check_book_move([BookStatus.HANDED_OUT], BookStatus.IN_STOCK)
