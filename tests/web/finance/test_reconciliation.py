"""The bank reconciliation page: the bank's closing balance and the books' side by side, the
difference explained by the lines the books do not hold; a file for another account is
refused in French and records nothing; a funder's accountant does not see the operator's
whole account."""

from __future__ import annotations

import io
import re
from datetime import date

from sqlalchemy import select

from tests.documents import camt_files as cf
from tests.web.finance.test_finance import close_september, count, scene, sign_in, token
from voucher.db.engine import unit_of_work
from voucher.db.models import BankImport, PaymentTransfer
from voucher.services.finance import reconciliation

__all__ = ["scene"]
DAY = date(2026, 11, 27)


def upload(client, data: bytes):
    return client.post(
        "/finance/banque",
        data={
            "releve": (io.BytesIO(data), "releve.xml"),
            "csrf_token": token(client, "/finance/banque"),
        },
        content_type="multipart/form-data",
    )


def paid_run(app, client) -> list[tuple[int, str, str]]:
    close_september(client)
    data = {"version": "pain.001.001.09", "csrf_token": token(client, "/finance/paiements")}
    asked = client.post("/finance/paiements", data=data)  # a payment run is confirmed first
    page = asked.get_data(as_text=True)
    expected = re.search(r'name="expected" value="([^"]+)"', page).group(1)
    made = client.post("/finance/paiements", data={**data, "confirm": "yes", "expected": expected})
    assert made.status_code == 303
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        return [
            (t.amount_cents, t.end_to_end_id, t.iban) for t in s.scalars(select(PaymentTransfer))
        ]


def test_the_reconciliation_page_shows_both_balances_and_explains_the_difference(
    app, client, scene
):
    sign_in(client, scene.operator_finance)
    transfers = paid_run(app, client)
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        opening = reconciliation.books_balance(s, DAY)
    lines = [cf.Line(a, e2e=e, iban=i, booked=DAY) for a, e, i in transfers] + [
        cf.Line(250, booked=DAY, fee=True, info="FRAIS"),
        cf.Line(100_000, "CRDT", booked=DAY, info="VIR REGION", party="Région Nouvelle-Aquitaine"),
    ]
    sent = upload(client, cf.camt053(lines, opening=opening))
    assert sent.status_code == 303
    proposed = client.get(sent.headers["Location"]).get_data(as_text=True)
    assert "Région Nouvelle-Aquitaine" in proposed and "crédit" in proposed
    assert lines[-1].reference in proposed  # the bank's own reference of the line
    assert (
        client.post(
            sent.headers["Location"] + "/appliquer",
            data={"csrf_token": token(client, "/finance/banque")},
        ).status_code
        == 303
    )
    page = client.get("/finance/banque/rapprochement")
    body = page.get_data(as_text=True)
    assert page.status_code == 200, body
    assert "Rapprochement bancaire au 27/11/2026" in body
    assert "Écart non expliqué" in body and "Entrées non rapprochées (1)" in body
    assert "Région Nouvelle-Aquitaine" in body and lines[-1].reference in body
    assert "Frais bancaires (1)" in body and "Lignes rapprochées de ce relevé (2)" in body
    assert 'data-field="unexplained"><strong>0,00' in body.replace("\u202f", "").replace(" ", "")


def test_a_file_for_another_account_is_refused_in_french_and_records_nothing(app, client, scene):
    sign_in(client, scene.operator_finance)
    transfers = paid_run(app, client)
    data = cf.camt053(
        [cf.Line(a, e2e=e, iban=i, booked=DAY) for a, e, i in transfers],
        account="FR7610107001011234567890129",
    )
    answer = client.post(
        "/finance/banque",
        data={
            "releve": (io.BytesIO(data), "autre.xml"),
            "csrf_token": token(client, "/finance/banque"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    body = answer.get_data(as_text=True)
    assert "autre compte que celui de l" in body and "Traceback" not in body
    assert count(app, BankImport) == 0


def test_a_funders_accountant_does_not_see_the_operators_account(app, client, scene):
    sign_in(client, scene.funder_finance)
    page = client.get("/finance/banque/rapprochement")
    assert page.status_code != 200
    assert "réservé à la finance de l" in page.get_data(as_text=True)
