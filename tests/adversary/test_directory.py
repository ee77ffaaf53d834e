"""The auditor's view of the public directory: it publishes only places holding a valid
label, never a person's address, bank details or documents; a lapsed label takes the
place out; what a visitor types comes back escaped."""

from __future__ import annotations

from datetime import date

from tests import factories as f
from tests.services.places import place_world as pw
from tests.web import workspace_world
from tests.web.directory.test_directory import validated
from voucher.db.engine import unit_of_work
from voucher.db.models import Label
from voucher.services.organisations import bank_details, qualification

# The web world (users who sign in), not the API one tests/adversary/conftest.py gives.
world = workspace_world.world
cheap_argon2 = workspace_world.cheap_argon2


def test_the_directory_publishes_nothing_private(app, client, world, tmp_path):
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        pw.load_extract(s)
        org = validated(
            s, tmp_path, pw.POITIERS, "awa.diallo@perso.test", "Poitiers", "86000", "86194", "Cyber"
        )
        bank_details.set_bank_details(
            s, f.ACTOR, org.id, holder_name="Cyber", iban="FR76 3000 6000 0112 3456 7890 189"
        )
        qualification.register_place(  # joined but never validated
            s, f.ACTOR, siret=pw.CHATELLERAULT, email="b@x.test", name="B", password="x" * 12
        )
    page = client.get("/ou-utiliser-mon-pass?commune=86").get_data(as_text=True)
    export = client.get("/ou-utiliser-mon-pass/lieux.csv").get_data(as_text=True)
    for published in (page, export):
        assert "Cyber" in published
        assert "awa.diallo" not in published and "3000 6000" not in published
        assert "30006000" not in published and "/lieu/documents" not in published
        assert "CHATELLERAULTAIS" not in published
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        label = s.query(Label).filter(Label.organisation_id == org.id).one()
        label.valid_from, label.valid_until = date(2020, 1, 1), date(2021, 1, 1)
    assert "Cyber" not in client.get("/ou-utiliser-mon-pass?commune=86").get_data(as_text=True)
    assert "Cyber" not in client.get("/ou-utiliser-mon-pass/lieux.csv").get_data(as_text=True)


def test_what_a_visitor_types_comes_back_escaped(client, world):
    typed = "<script>alert(1)</script>' OR 1=1 --"
    page = client.get("/ou-utiliser-mon-pass", query_string={"commune": typed})
    body = page.get_data(as_text=True)
    assert page.status_code == 200 and "<script>alert(1)" not in body
    assert "Aucun lieu trouvé" in body
    assert client.get("/ou-utiliser-mon-pass?dispositif=1%20OR%201=1&commune=86").status_code == 200
