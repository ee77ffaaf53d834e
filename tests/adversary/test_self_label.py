"""The attacker's view of joining: a place that signed itself up cannot grant itself the
label (the operator's decision), neither through the administration nor through the
operator's review."""

from __future__ import annotations

from sqlalchemy import select

from tests.services.places import place_world as pw
from tests.web.places.test_places_web import load, signup
from tests.web.workspace_world import post
from voucher.db.engine import unit_of_work
from voucher.db.models import Label, Organisation


def test_a_new_place_cannot_label_itself(client, world, app):
    load(app)
    assert signup(client).status_code == 303
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        org_id = s.scalar(select(Organisation.id).where(Organisation.siret == pw.POITIERS))
    assert client.get("/admin/").status_code == 403
    page = client.get("/lieu/")
    forged = post(
        client,
        f"/admin/organisations/{org_id}/labels",
        {"label": "Pass numérique", "valid_from": "2026-01-01"},
        form_page="/lieu/",
    )
    assert forged.status_code == 403 and page.status_code == 200
    assert client.get("/lieu/revue").status_code in (403, 404)
    decided = post(
        client, f"/lieu/revue/{org_id}/decision", {"decision": "valider"}, form_page="/lieu/"
    )
    assert decided.status_code in (403, 404)
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        assert s.scalars(select(Label).where(Label.organisation_id == org_id)).all() == []
