"""The place sees its offline scans in dispute on its desk page (last four digits only,
the reason in French), and not another place's."""

from __future__ import annotations

from tests.web.workspace_world import login, text
from voucher.db.engine import unit_of_work
from voucher.services.context import Actor
from voucher.services.redemption import disputes, redeem


def test_the_desk_lists_its_open_disputes_only(app, client, world):
    code = world.codes_a[4]
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        desk = Actor(label="tablette", organisation_id=world.structure_a)
        offline = redeem.Scan(code, world.structure_a, scan_id="hors-ligne-desk")
        assert disputes.open_for(s, desk, offline, "not_accepted_here") is not None
    login(client, world.emails["reception_a"])
    page = text(client.get("/accueil/"))
    assert "Scans hors ligne en litige" in page and f"…{code[-4:]}" in page
    assert code not in page
    login(client, world.emails["reception_b"])
    assert "Scans hors ligne en litige" not in text(client.get("/accueil/"))
