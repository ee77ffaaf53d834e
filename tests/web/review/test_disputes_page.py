"""Offline disputes on the review workspace: a funder sees its programmes' disputes (another
funder gets 404), pays the place for a voucher still unspent, cannot pay one used
elsewhere, and rejects only with a reason (an empty one changes nothing)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from tests import factories as f
from tests.services.redemption import fraud_world as fw
from tests.web.review.test_review import csrf, sign_in
from voucher.db.engine import unit_of_work
from voucher.db.models import OfflineDispute, Redemption
from voucher.services.context import Actor
from voucher.services.finance import ledger_audit
from voucher.services.redemption import disputes, redeem


@dataclass
class Scene:
    unspent: int  # dispute ids
    spent: int
    funder: int  # user ids
    other_funder: int


@pytest.fixture
def scene(app) -> Scene:
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        w = fw.world(s)
        codes = fw.codes(s, fw.serial(w))
        fw.scan(s, w, codes[1])  # used elsewhere before the desk's upload
        desk = Actor(label="tablette", organisation_id=w.structure.id)

        def dispute(code: str, scan_id: str, reason: str) -> int:
            offline = redeem.Scan(code, w.structure.id, scan_id=scan_id)
            found = disputes.open_for(s, desk, offline, reason)
            assert found is not None
            return found

        return Scene(
            unspent=dispute(codes[0], "hors-ligne-1", "not_accepted_here"),
            spent=dispute(codes[1], "hors-ligne-2", "already_redeemed"),
            funder=fw.person(s, w.funder_a.id, "funder").user_id,
            other_funder=fw.person(s, f.world(s).funder_a.id, "funder").user_id,
        )


def status_of(app, dispute_id: int) -> str:
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        assert ledger_audit.verify(s).ok
        return s.get(OfflineDispute, dispute_id).status


def test_a_funder_pays_the_unspent_one_and_cannot_pay_the_spent_one(app, client, scene):
    sign_in(client, scene.funder)
    listed = client.get("/revue/litiges").get_data(as_text=True)
    assert f"/revue/litiges/{scene.unspent}" in listed and f"/revue/litiges/{scene.spent}" in listed
    token = csrf(client.get(f"/revue/litiges/{scene.spent}"))
    refused = client.post(f"/revue/litiges/{scene.spent}/payer", data={"csrf_token": token})
    assert refused.status_code == 409 and "ne peut plus être payé" in refused.get_data(True)
    assert status_of(app, scene.spent) == "open"
    paid = client.post(f"/revue/litiges/{scene.unspent}/payer", data={"csrf_token": token})
    assert paid.status_code == 303 and paid.headers["Location"].endswith("/revue/litiges")
    assert status_of(app, scene.unspent) == "released"
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        paid_scan = s.scalar(
            select(Redemption).join(OfflineDispute, OfflineDispute.redemption_id == Redemption.id)
        )
        assert paid_scan.status == "accepted" and paid_scan.scan_id == "hors-ligne-1"


def test_a_reject_needs_a_reason_and_another_funder_sees_nothing(app, client, scene):
    sign_in(client, scene.other_funder)
    assert f"/revue/litiges/{scene.spent}" not in client.get("/revue/litiges").get_data(True)
    assert client.get(f"/revue/litiges/{scene.spent}").status_code == 404
    sign_in(client, scene.funder)
    token = csrf(client.get(f"/revue/litiges/{scene.spent}"))
    path = f"/revue/litiges/{scene.spent}/rejeter"
    empty = client.post(path, data={"csrf_token": token, "note": " "})
    page = empty.get_data(as_text=True)
    assert empty.status_code == 422 and 'id="error-summary"' in page and 'href="#note"' in page
    assert status_of(app, scene.spent) == "open"
    done = client.post(path, data={"csrf_token": token, "note": "Déjà encaissé ailleurs."})
    assert done.status_code == 303
    assert status_of(app, scene.spent) == "rejected"
    assert "Déjà encaissé ailleurs." in client.get(f"/revue/litiges/{scene.spent}").get_data(True)
