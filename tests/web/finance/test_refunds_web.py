"""Refunds and bank lines through the real app: the refunds owed to funders are shown on
the payments page, confirmed with their count and total, paid in the SEPA file and settled
by the uploaded camt file; an unmatched credit on the reconciliation is linked to a
funder's funds received once, a second link is refused in French."""

from __future__ import annotations

import io
import re
from datetime import date

import pytest
from sqlalchemy import select

from tests.documents import camt_files as cf
from tests.services.finance import finance_world as fw
from tests.web.finance.test_finance import sign_in, token
from voucher.db.engine import unit_of_work
from voucher.db.models import BankMovement, CreditNote, FundsReceived, PaymentTransfer
from voucher.documents import sepa
from voucher.domain import calendar
from voucher.services.context import SYSTEM
from voucher.services.finance import credit_notes, ledger_audit, reconciliation
from voucher.services.issuance import expiry

AUGUST = fw.paris(2026, 8, 5)
SEPTEMBER = fw.paris(2026, 9, 1)


@pytest.fixture
def scene(app) -> dict[str, int]:
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        w = fw.world(
            s, books=3, valid_from=date(2026, 1, 1), valid_until=date(2026, 6, 30), grace_days=31
        )
        for funder in (w.w.funder_a, w.w.funder_b):
            fw.bank(s, funder)
        with calendar.at(AUGUST):
            expiry.expire_programme(s, SYSTEM, w.programme_id)
            credit_notes.issue(s, SYSTEM, w.programme_id)
        return {
            "finance": fw.person(s, fw.operator(s)).user_id,
            "programme": w.programme_id,
            "funder": w.w.funder_a.id,
        }


def upload_and_apply(client, data: bytes, name: str) -> None:
    with calendar.at(fw.paris(2026, 9, 10)):
        upload = client.post(
            "/finance/banque",
            data={
                "releve": (io.BytesIO(data), name),
                "csrf_token": token(client, "/finance/banque"),
            },
            content_type="multipart/form-data",
        )
        assert upload.status_code == 303
        applied = client.post(
            upload.headers["Location"] + "/appliquer",
            data={"csrf_token": token(client, "/finance/banque")},
        )
    assert applied.status_code == 303


def test_refunds_owed_are_paid_from_the_payments_page_and_settled_by_the_camt(app, client, scene):
    sign_in(client, scene["finance"])
    page = client.get("/finance/paiements").get_data(as_text=True)
    assert "Remboursements dus aux financeurs" in page and "AV-2026-0001" in page
    csrf = token(client, "/finance/paiements")
    with calendar.at(SEPTEMBER):
        asked = client.post("/finance/paiements", data={"csrf_token": csrf})
        shown = asked.get_data(as_text=True)
        assert "2 remboursements d&#39;avoir" in shown and "Fondation A" in shown
        expected = re.search(r'name="expected" value="([^"]+)"', shown).group(1)
        done = client.post(
            "/finance/paiements",
            data={"csrf_token": csrf, "confirm": "yes", "expected": expected},
        )
    assert done.status_code == 303
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        sent = [
            (t.amount_cents, t.end_to_end_id, t.iban, t.run_id)
            for t in s.scalars(select(PaymentTransfer).order_by(PaymentTransfer.id))
        ]
    assert [e for _, e, _, _ in sent] == ["RBT-AV-2026-0001-1", "RBT-AV-2026-0002-1"]
    xml = client.get(f"/finance/paiements/{sent[0][3]}.xml")
    assert sepa.validate(xml.data, "pain.001.001.09") == []
    lines = [cf.Line(a, e2e=e, iban=i, booked=date(2026, 9, 3)) for a, e, i, _ in sent]
    upload_and_apply(client, cf.camt053(lines), "releve.xml")
    notes = client.get("/finance/avoirs").get_data(as_text=True)
    assert notes.count("payé") >= 2
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        assert set(s.scalars(select(CreditNote.refund_status))) == {"paid"}
        assert ledger_audit.verify(s).ok


def test_an_unmatched_credit_is_linked_to_funds_received_once_from_the_reconciliation(
    app, client, scene
):
    sign_in(client, scene["finance"])
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        opening = reconciliation.books_balance(s, date(2026, 9, 2))
    credit = cf.Line(80_000, "CRDT", booked=date(2026, 9, 3), info="VIR FONDATION", party="A")
    upload_and_apply(client, cf.camt053([credit], opening=opening), "releve.xml")
    page = client.get("/finance/banque/rapprochement").get_data(as_text=True)
    assert "Rattacher" in page
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        line_id = s.scalar(select(BankMovement.id))
        before = len(s.scalars(select(FundsReceived)).all())
    csrf = token(client, "/finance/banque/rapprochement")
    choice = f"{scene['programme']}:{scene['funder']}"
    with calendar.at(fw.paris(2026, 9, 10)):
        linked = client.post(
            f"/finance/banque/lignes/{line_id}/fonds",
            data={"csrf_token": csrf, "financement": choice},
        )
        assert linked.status_code == 303
        again = client.post(
            f"/finance/banque/lignes/{line_id}/fonds",
            data={"csrf_token": csrf, "financement": choice},
            follow_redirects=True,
        )
    assert "déjà rattachée" in again.get_data(as_text=True)
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        assert len(s.scalars(select(FundsReceived)).all()) == before + 1
        assert s.get(BankMovement, line_id).outcome == "funds"
        assert reconciliation.reconcile(s).unexplained == 0
        assert reconciliation.reconcile(s).unmatched_in == []
