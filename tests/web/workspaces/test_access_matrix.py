"""Every workspace page and action, for every role, on its own and on another
organisation's object: allowed exactly where it should be; a missing role gets 403, an
object of another organisation 404 (never 403 with details); anonymous people are sent
to the sign-in page. Actions are posted with a valid CSRF token and (mostly) incomplete
forms: access is decided before the form is read."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.web.workspaces.conftest import World, login, token
from tests.web.workspaces.test_desk import scan
from voucher.db.engine import unit_of_work
from voucher.db.models import Redemption

PEOPLE = ("admin", "admin_a", "funder_a", "funder_b", "prescriber_a", "prescriber_b", "reception_a",
          "reception_b", "finance", "evaluator")
ROLE_OF = {"admin": "admin", "admin_a": "admin", "funder_a": "funder", "funder_b": "funder",
           "prescriber_a": "prescriber", "prescriber_b": "prescriber", "reception_a": "reception",
           "reception_b": "reception", "finance": "finance", "evaluator": "evaluator"}


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    role: str | None  # None: public page
    owners: tuple[str, ...] | None = None  # people of the owning organisation; None: no owner


def rows(w: World, redemption_id: int) -> list[Row]:
    pa, ba, sa, xa = w.programme_a, w.batch_a, w.structure_a, w.prescriber_a
    funder, own_funder = "funder", ("funder_a",)
    return [
        Row("GET", "/aide/", None), Row("GET", "/aide/accueil", None), Row("GET", "/aide/lecteur", None),
        Row("GET", "/aide/prescripteur", None), Row("GET", "/aide/financeur", None),
        Row("GET", "/admin/", "admin"), Row("GET", "/admin/utilisateurs", "admin"),
        Row("GET", "/admin/organisations", "admin"), Row("GET", "/admin/cles", "admin"),
        Row("GET", f"/admin/utilisateurs/{w.user_ids['reception_a']}", "admin", ("admin",)),
        Row("GET", f"/admin/utilisateurs/{w.user_ids['prescriber_a']}", "admin", ("admin", "admin_a")),
        Row("GET", f"/admin/organisations/{sa}", "admin", ("admin",)),
        Row("GET", f"/admin/organisations/{xa}", "admin", ("admin", "admin_a")),
        Row("POST", f"/admin/utilisateurs/{w.user_ids['reception_b']}/mot-de-passe", "admin", ("admin",)),
        Row("POST", f"/admin/organisations/{sa}/labels", "admin", ("admin",)),
        Row("GET", "/financeur/", funder), Row("GET", "/financeur/zones", funder),
        Row("GET", "/financeur/organisations", funder), Row("GET", "/financeur/dispositifs/nouveau", funder),
        Row("GET", f"/financeur/organisations/{sa}", funder),
        Row("GET", f"/financeur/organisations/{w.operator}", funder, ()),
        Row("GET", f"/financeur/dispositifs/{pa}", funder, own_funder),
        Row("GET", f"/financeur/dispositifs/{pa}/modifier", funder, own_funder),
        Row("GET", f"/financeur/lots/{ba}", funder, own_funder),
        Row("POST", f"/financeur/dispositifs/{pa}/modifier", funder, own_funder),
        Row("POST", f"/financeur/dispositifs/{pa}/acceptation", funder, own_funder),
        Row("POST", f"/financeur/dispositifs/{pa}/seuils", funder, own_funder),
        Row("POST", f"/financeur/dispositifs/{pa}/lots", funder, own_funder),
        Row("POST", f"/financeur/dispositifs/{pa}/versements", funder, own_funder),
        Row("POST", f"/financeur/dispositifs/{pa}/carnet-perdu", funder, own_funder),
        Row("POST", f"/financeur/lots/{ba}/activer", funder, own_funder),
        Row("POST", f"/financeur/lots/{ba}/approuver", funder, own_funder),
        Row("POST", f"/financeur/lots/{ba}/epreuve", funder, own_funder),
        Row("POST", f"/financeur/lots/{ba}/production", funder, own_funder),
        Row("POST", f"/financeur/lots/{ba}/imprimeur.csv", funder, own_funder),
        Row("POST", f"/financeur/organisations/{w.operator}/labels", funder, ()),
        Row("POST", "/financeur/zones", funder),
        Row("GET", "/prescripteur/", "prescriber"), Row("GET", "/prescripteur/remettre", "prescriber"),
        Row("GET", "/prescripteur/carnets", "prescriber"), Row("POST", "/prescripteur/remettre", "prescriber"),
        Row("POST", f"/prescripteur/lots/{ba}/accuser-reception", "prescriber", ("prescriber_a",)),
        Row("GET", "/accueil/", "reception"), Row("GET", "/accueil/jeton", "reception"),
        Row("POST", "/accueil/scan", "reception"),
        Row("POST", f"/accueil/scans/{redemption_id}/annuler", "reception", ("reception_a",)),
    ]


def expected(row: Row, person: str | None) -> str:
    if row.role is None:
        return "allow"
    if person is None:
        return "login"
    if ROLE_OF[person] != row.role:
        return "deny"
    if row.owners is not None and person not in row.owners:
        return "hidden"
    return "allow"


def outcome(response) -> str:
    if response.status_code in (302, 303) and "/connexion" in response.headers.get("Location", ""):
        return "login"
    if response.status_code == 403:
        return "deny"
    if response.status_code == 404:
        return "hidden"
    assert response.status_code < 500, response.get_data(as_text=True)[:300]
    return "allow"


@pytest.fixture
def scanned(app, world) -> int:
    client = app.test_client()
    login(client, world.emails["reception_a"])
    scan(client, world.codes_a[0], scan_id="matrix-scan-0001")
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        return int(s.query(Redemption.id).scalar())


def test_every_role_reaches_exactly_its_pages_and_its_own_objects(app, world, scanned):
    table = rows(world, scanned)
    wrong = []
    for person in (None, *PEOPLE):
        client = app.test_client()
        if person:
            login(client, world.emails[person])
        csrf = token(client.get("/connexion"))
        for row in table:
            if row.method == "GET":
                response = client.get(row.path)
            else:
                response = client.post(row.path, data={"csrf_token": csrf})
            response.get_data()  # downloads are read to the end, as a browser would
            response.close()
            got, want = outcome(response), expected(row, person)
            if got != want:
                wrong.append(f"{person or 'anonyme'} {row.method} {row.path}: {got} (attendu {want})")
            if got in ("deny", "hidden"):
                body = response.get_data(as_text=True)
                assert "Fondation A" not in body and "Pass A" not in body and "EPN A" not in body
    assert not wrong, "\n".join(wrong)
    assert len(table) * (len(PEOPLE) + 1) > 400
