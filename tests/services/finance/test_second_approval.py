"""Fraud rule ``recent_iban_change``: a payment after new bank details needs a second approval."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tests import factories as f
from voucher.domain import calendar
from voucher.services.finance import second_approval
from voucher.services.organisations import bank_details

T0 = datetime(2026, 3, 10, 10, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def frozen():
    with calendar.at(T0):
        yield


def test_a_recent_iban_change_makes_the_next_payment_need_a_second_approval(session):
    s = f.structure(session)
    bank_details.set_bank_details(
        session, f.ACTOR, s.id, holder_name="EPN", iban="FR7630006000011234567890189"
    )
    assert not second_approval.needs_second_approval(session, s.id, T0 + timedelta(days=1)), (
        "a first IBAN is no change"
    )
    with calendar.at(T0 + timedelta(days=5)):
        bank_details.set_bank_details(
            session, f.ACTOR, s.id, holder_name="EPN", iban="FR7610107001011234567890129"
        )
    check = second_approval.needs_second_approval(session, s.id, T0 + timedelta(days=64))
    assert check and check.changed_at == T0 + timedelta(days=5)
    assert not second_approval.needs_second_approval(session, s.id, T0 + timedelta(days=65))
    assert second_approval.needs_second_approval(session, s.id, T0 + timedelta(days=200), since=T0)
