"""The payment-run form's execution date: a malformed date, a date in the past or a TARGET2
closing day is refused in French and creates nothing; left empty, the run is dated on the
next TARGET2 business day."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from tests.services.finance import finance_world as fw
from tests.web.finance.test_finance import close_september, scene, sign_in, token
from voucher.db.engine import unit_of_work
from voucher.db.models import PaymentRun
from voucher.domain import calendar
from voucher.domain.errors import MESSAGES

__all__ = ["scene"]


def dates(app) -> list[str]:
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        return [d.isoformat() for d in s.scalars(select(PaymentRun.execution_date))]


def create(client, typed: str):
    with calendar.at(fw.paris(2026, 12, 24, 10)):
        data = {
            "version": "pain.001.001.09",
            "execution_date": typed,
            "csrf_token": token(client, "/finance/paiements"),
        }
        answer = client.post("/finance/paiements", data=data)
        if answer.status_code == 200:  # the run's count and total, then confirmed
            shown = answer.get_data(as_text=True)
            assert typed in shown  # the date chosen is part of what is confirmed
            expected = re.search(r'name="expected" value="([^"]+)"', shown).group(1)
            confirmed = {**data, "confirm": "yes", "expected": expected}
            answer = client.post("/finance/paiements", data=confirmed)
        page = client.get("/finance/paiements").get_data(as_text=True)
    return answer, page


def test_the_form_offers_an_execution_date(app, client, scene):
    sign_in(client, scene.operator_finance)
    close_september(client)
    page = client.get("/finance/paiements").get_data(as_text=True)
    assert 'name="execution_date"' in page and "TARGET2" in page


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("24/12/2026", "invalid_execution_date"),
        ("<script>", "invalid_execution_date"),
        ("2026-12-23", "execution_date_past"),
        ("2026-12-25", "execution_date_closed"),
        ("2027-01-01", "execution_date_closed"),
    ],
)
def test_a_bad_execution_date_is_refused_in_french_and_creates_nothing(
    app, client, scene, typed, code
):
    sign_in(client, scene.operator_finance)
    close_september(client)
    answer, page = create(client, typed)
    assert answer.status_code == 303
    assert MESSAGES[code].split(" :")[0].replace("'", "&#39;") in page
    assert dates(app) == []


def test_left_empty_the_run_is_dated_on_the_next_business_day(app, client, scene):
    sign_in(client, scene.operator_finance)
    close_september(client)
    answer, _ = create(client, "")
    assert answer.status_code == 303
    assert dates(app) == ["2026-12-28"]


def test_a_business_day_typed_is_kept(app, client, scene):
    sign_in(client, scene.operator_finance)
    close_september(client)
    create(client, "2026-12-31")
    assert dates(app) == ["2026-12-31"]
