"""The review workspace: funder and finance staff see their holds (others get 404), decide
them with CSRF-protected forms, and read and export the alerts."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from sqlalchemy import select

from tests import factories as f
from tests.services.redemption import fraud_world as fw
from voucher.db.engine import unit_of_work
from voucher.db.models import Hold
from voucher.services.finance import ledger_audit


@dataclass
class Scene:
    hold_id: int
    structure_name: str
    funder: int  # user ids
    other_funder: int
    finance: int
    scanner: int


@pytest.fixture
def scene(app) -> Scene:
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        w = fw.world(s, handout_policy="hold")
        scanner = fw.person(s, w.structure.id, "reception", (fw.operator(s), "finance"))
        res = fw.scan(s, w, fw.codes(s, fw.serial(w))[0], actor=scanner)
        other = f.world(s).funder_a  # funds another programme only
        return Scene(
            hold_id=s.scalar(select(Hold.id).where(Hold.redemption_id == res.redemption_id)),
            structure_name=w.structure.name,
            funder=fw.person(s, w.funder_a.id, "funder").user_id,
            other_funder=fw.person(s, other.id, "funder").user_id,
            finance=fw.person(s, fw.operator(s), "finance").user_id,
            scanner=scanner.user_id,
        )


def sign_in(client, user_id: int) -> None:
    with client.session_transaction() as sess:
        sess.clear()
        sess["_user_id"] = str(user_id)
        sess["_fresh"] = True


def csrf(page) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True)).group(1)


def hold_status(app, hold_id: int) -> str:
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        assert ledger_audit.verify(s).ok
        return s.get(Hold, hold_id).status


def test_a_funder_sees_the_hold_with_its_rule_evidence_and_volume_chart(app, client, scene):
    sign_in(client, scene.funder)
    queue = client.get("/revue")
    assert queue.status_code == 200
    body = queue.get_data(as_text=True)
    assert scene.structure_name in body and "Chèque jamais remis" in body
    page = client.get(f"/revue/{scene.hold_id}")
    body = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Scans liés" in body and "(ce passage)" in body
    assert '<svg role="img" aria-label="Scans par jour' in body and "cdn" not in body.lower()
    assert "Libérer le passage" in body and "Rejeter le passage" in body


def test_another_funder_gets_404_for_the_hold_and_cannot_decide_it(app, client, scene):
    sign_in(client, scene.other_funder)
    assert scene.structure_name not in client.get("/revue").get_data(as_text=True)
    assert client.get(f"/revue/{scene.hold_id}").status_code == 404
    token = csrf(client.get("/revue"))
    assert (
        client.post(f"/revue/{scene.hold_id}/liberer", data={"csrf_token": token}).status_code
        == 404
    )
    assert hold_status(app, scene.hold_id) == "open"


def test_reception_staff_are_refused_and_anonymous_visitors_sent_to_sign_in(app, client, scene):
    assert client.get("/revue").status_code == 302
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        desk = fw.person(s, f.structure(s, "Autre lieu").id, "reception").user_id
    sign_in(client, desk)
    assert client.get("/revue").status_code == 403
    assert client.get("/alertes").status_code == 403


def test_a_funder_releases_a_hold_with_the_form(app, client, scene):
    sign_in(client, scene.funder)
    token = csrf(client.get(f"/revue/{scene.hold_id}"))
    assert client.post(f"/revue/{scene.hold_id}/liberer").status_code == 400, (
        "no CSRF token, no decision"
    )
    done = client.post(f"/revue/{scene.hold_id}/liberer", data={"csrf_token": token})
    assert done.status_code == 303 and done.headers["Location"].endswith("/revue")
    assert hold_status(app, scene.hold_id) == "released"
    assert "Passage libéré" in client.get("/revue").get_data(as_text=True)


def test_finance_rejects_with_a_reason_and_an_empty_reason_changes_nothing(app, client, scene):
    sign_in(client, scene.finance)
    token = csrf(client.get(f"/revue/{scene.hold_id}"))
    empty = client.post(f"/revue/{scene.hold_id}/rejeter", data={"csrf_token": token, "note": " "})
    page = empty.get_data(as_text=True)
    assert empty.status_code == 422 and 'id="error-summary"' in page and 'href="#note"' in page
    assert "motif du rejet" in page
    assert hold_status(app, scene.hold_id) == "open"
    asked = client.post(
        f"/revue/{scene.hold_id}/rejeter", data={"csrf_token": token, "note": "Scan douteux."}
    )
    page = asked.get_data(as_text=True)  # a confirmation with what is rejected, for how much
    assert asked.status_code == 200 and "Rejeter définitivement le passage" in page
    assert "Scan douteux." in page and "ne peut pas être annulé" in page
    assert hold_status(app, scene.hold_id) == "open"
    client.post(
        f"/revue/{scene.hold_id}/rejeter",
        data={"csrf_token": token, "note": "Scan douteux.", "confirm": "yes"},
    )
    assert hold_status(app, scene.hold_id) == "rejected"


def test_the_scanner_cannot_review_their_own_scan_on_the_web(app, client, scene):
    sign_in(client, scene.scanner)
    page = client.get(f"/revue/{scene.hold_id}")
    assert "une autre personne doit prendre la décision" in page.get_data(as_text=True)
    client.post(f"/revue/{scene.hold_id}/liberer", data={"csrf_token": csrf(page)})
    assert "une autre personne doit vérifier" in client.get(f"/revue/{scene.hold_id}").get_data(
        as_text=True
    )
    assert hold_status(app, scene.hold_id) == "open"


def test_alerts_are_listed_filtered_and_exported_for_excel_and_open_data(app, client, scene):
    sign_in(client, scene.funder)
    page = client.get("/alertes?regle=never_handed_out&gravite=medium")
    assert page.status_code == 200 and "Chèque jamais remis" in page.get_data(as_text=True)
    assert "Aucune alerte" in client.get("/alertes?regle=whole_book").get_data(as_text=True)
    excel = client.get("/alertes.csv?regle=never_handed_out")
    assert excel.mimetype == "text/csv" and "attachment" in excel.headers["Content-Disposition"]
    text = excel.get_data().decode("utf-8")
    assert text.startswith("\ufeffid;date;regle;") and ";never_handed_out;" in text
    assert "regle,intitule" in client.get("/alertes.csv?format=open").get_data(as_text=True)
    assert client.get("/alertes?du=hier").status_code == 422


def test_another_funder_sees_none_of_these_alerts(app, client, scene):
    sign_in(client, scene.other_funder)
    assert "Aucune alerte" in client.get("/alertes").get_data(as_text=True)
    assert client.get("/alertes.csv").get_data(as_text=True).count("\n") == 1  # the header only
