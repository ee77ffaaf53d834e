"""Every workspace page and action, for every role, on its own and on another
organisation's object: allowed exactly where it should be; a missing role gets 403, an
object of another organisation 404 (never 403 with details); anonymous people are sent
to the sign-in page. Actions are posted with a valid CSRF token and (mostly) incomplete
forms: access is decided before the form is read. Every route of the workspaces is in
the table (or listed in NOT_IN_TABLE with where it is tested), so a new page or action
cannot be added without deciding who may use it."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests import factories as f
from tests.web.desk.test_desk import scan
from tests.web.workspace_world import World, login, token
from voucher.db.engine import unit_of_work
from voucher.db.models import Redemption, RoleGrant, WebhookDelivery
from voucher.services.access import api_keys, people
from voucher.services.organisations import bank_details
from voucher.services.webhooks import endpoints, events

PEOPLE = (
    "admin",
    "admin_a",
    "funder_a",
    "funder_b",
    "prescriber_a",
    "prescriber_b",
    "reception_a",
    "reception_b",
    "finance",
    "evaluator",
)
ROLE_OF = {
    "admin": "admin",
    "admin_a": "admin",
    "funder_a": "funder",
    "funder_b": "funder",
    "prescriber_a": "prescriber",
    "prescriber_b": "prescriber",
    "reception_a": "reception",
    "reception_b": "reception",
    "finance": "finance",
    "evaluator": "evaluator",
}


@dataclass(frozen=True)
class Row:
    method: str
    path: str
    role: str | None  # None: public page
    owners: tuple[str, ...] | None = None  # people of the owning organisation; None: no owner
    outsider: str = "hidden"  # what the right role outside the owners gets


@dataclass(frozen=True)
class Extra:
    """Objects made for the matrix only: nobody in PEOPLE depends on them."""

    redemption: int
    api_key: int  # Fondation A's
    spare_user: int  # funder_a2: deactivated, reactivated and stripped of its role by the admin
    spare_grant: int
    bank_b: (
        int  # Médiathèque B's bank account, tried through EPN A's page (deciding it: test_funder)
    )
    webhook_delivery: int = 0  # a notification to Fondation A, replayed by the operator's admin


#: routes kept out of the table, each with the reason and the test that covers it
NOT_IN_TABLE = {
    "/connexion": "public sign-in form (test_security, every login())",
    "/deconnexion": "signs the person out mid-table (every login() posts it)",
    "/espace/organisation": "any signed-in person, only their own organisations "
    "(test_the_acting_organisation_is_one_of_ones_own)",
    "/": "home page, every signed-in person (tests/web/home/test_home.py)",
    "/healthz": "public health check (tests/web/home/test_home.py)",
    "/compte/notifications": "any signed-in person, only their own choices "
    "(tests/web/account/test_account.py)",
}


def rows(w: World, x: Extra) -> list[Row]:
    pa, ba, sa, xa = w.programme_a, w.batch_a, w.structure_a, w.prescriber_a
    redemption_id, spare = x.redemption, f"/admin/utilisateurs/{x.spare_user}"
    funder, own_funder = "funder", ("funder_a",)
    return [
        Row("GET", "/aide/", None),
        Row("GET", "/mot-de-passe/oublie", None),
        Row("POST", "/mot-de-passe/oublie", None),
        Row("GET", "/mot-de-passe/nouveau/lien-inconnu", None),
        Row("POST", "/mot-de-passe/nouveau/lien-inconnu", None),
        Row("GET", "/aide/accueil", None),
        Row("GET", "/aide/lecteur", None),
        Row("GET", "/aide/prescripteur", None),
        Row("GET", "/aide/financeur", None),
        Row("GET", "/admin/", "admin"),
        Row("GET", "/admin/utilisateurs", "admin"),
        Row("GET", "/admin/organisations", "admin"),
        Row("GET", "/admin/cles", "admin"),
        Row("GET", "/admin/webhooks", "admin"),
        Row("GET", f"/admin/utilisateurs/{w.user_ids['reception_a']}", "admin", ("admin",)),
        Row(
            "GET",
            f"/admin/utilisateurs/{w.user_ids['prescriber_a']}",
            "admin",
            ("admin", "admin_a"),
        ),
        Row("GET", f"/admin/organisations/{sa}", "admin", ("admin",)),
        Row("GET", f"/admin/organisations/{xa}", "admin", ("admin", "admin_a")),
        Row(
            "POST",
            f"/admin/utilisateurs/{w.user_ids['reception_b']}/mot-de-passe",
            "admin",
            ("admin",),
        ),
        Row("POST", f"/admin/organisations/{sa}/labels", "admin", ("admin",)),
        Row("POST", "/admin/utilisateurs", "admin"),
        Row("POST", "/admin/cles", "admin"),
        Row("POST", "/admin/organisations", "admin", ("admin",), outsider="deny"),
        Row("POST", f"{spare}/roles", "admin", ("admin",)),
        Row("POST", f"{spare}/desactiver", "admin", ("admin",)),
        Row("POST", f"{spare}/reactiver", "admin", ("admin",)),
        Row("POST", f"{spare}/roles/{x.spare_grant}/retirer", "admin", ("admin",)),
        Row("POST", f"/admin/cles/{x.api_key}/revoquer", "admin", ("admin",)),
        Row(
            "POST",
            f"/admin/webhooks/envois/{x.webhook_delivery}/renvoyer",
            "admin",
            ("admin",),
        ),
        Row("GET", "/financeur/", funder),
        Row("GET", "/financeur/zones", funder),
        Row("GET", "/financeur/factures", funder),  # each funder its own documents only
        Row("GET", "/financeur/factures/FA-1999-0001.pdf", funder, ()),
        Row("GET", "/financeur/releve", funder, ()),  # no programme asked: 404 for all
        Row("GET", "/financeur/avoirs/999999.pdf", funder, ()),
        Row("GET", "/financeur/organisations", funder),
        Row("GET", "/financeur/dispositifs/nouveau", funder),
        Row("GET", f"/financeur/organisations/{sa}", funder),
        Row("GET", f"/financeur/organisations/{w.operator}", funder, ()),
        Row("GET", f"/financeur/dispositifs/{pa}", funder, own_funder),
        Row("GET", f"/financeur/dispositifs/{pa}/modifier", funder, own_funder),
        Row("GET", f"/financeur/dispositifs/{pa}/couverture", funder, own_funder),
        Row("GET", f"/financeur/lots/{ba}", funder, own_funder),
        Row("POST", f"/financeur/dispositifs/{pa}/modifier", funder, own_funder),
        Row("POST", f"/financeur/dispositifs/{pa}/acceptation", funder, own_funder),
        Row("POST", f"/financeur/dispositifs/{pa}/seuils", funder, own_funder),
        Row("POST", f"/financeur/dispositifs/{pa}/couverture/texte", funder, own_funder),
        Row("POST", f"/financeur/dispositifs/{pa}/couverture/logo", funder, own_funder),
        Row("POST", f"/financeur/dispositifs/{pa}/groupe-comparaison", funder, own_funder),
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
        Row("POST", "/financeur/dispositifs/nouveau", funder),
        Row("POST", "/financeur/organisations", funder),
        Row("POST", "/financeur/organisations/import", funder),
        Row("POST", f"/financeur/organisations/{sa}/rib", funder),
        Row("POST", f"/financeur/organisations/{w.operator}/rib", funder, ()),
        Row("POST", f"/financeur/organisations/{sa}/rib/{x.bank_b}/valider", funder, ()),
        Row("POST", f"/financeur/organisations/{sa}/rib/{x.bank_b}/rejeter", funder, ()),
        Row("GET", "/prescripteur/", "prescriber"),
        Row("GET", "/prescripteur/remettre", "prescriber"),
        Row("GET", "/prescripteur/carnets", "prescriber"),
        Row("GET", "/prescripteur/communes", "prescriber"),
        Row("POST", "/prescripteur/remettre", "prescriber"),
        Row("GET", "/prescripteur/suivi", "prescriber"),
        Row("POST", "/prescripteur/suivi", "prescriber"),
        Row("GET", "/accueil/suivi", "reception"),
        Row("POST", "/accueil/suivi", "reception"),
        Row("POST", f"/prescripteur/lots/{ba}/accuser-reception", "prescriber", ("prescriber_a",)),
        Row("GET", "/accueil/", "reception"),
        Row("GET", "/accueil/jeton", "reception"),
        Row("POST", "/accueil/scan", "reception"),
        Row("POST", "/accueil/photo", "reception"),
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
        return row.outsider
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
def extra(app, world) -> Extra:
    client = app.test_client()
    login(client, world.emails["reception_a"])
    scan(client, world.codes_a[0], scan_id="matrix-scan-0001")
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        key = api_keys.create_api_key(
            s, f.ACTOR, organisation_id=world.funder_a, role="funder", name="Matrice"
        )
        bank = bank_details.set_bank_details(
            s,
            f.ACTOR,
            world.structure_b,
            holder_name="Médiathèque B",
            iban="FR7630006000011234567890189",
            bic=None,
        )
        spare = world.user_ids["funder_a2"]
        endpoints.register(s, f.ACTOR, world.funder_a, "https://a.example/h", ["batch.activated"])
        events.emit(s, "batch.activated", {"batch_id": 1}, [world.funder_a])
        s.flush()
        return Extra(
            redemption=int(s.query(Redemption.id).scalar()),
            api_key=key.key.id,
            spare_user=spare,
            spare_grant=int(s.query(RoleGrant.id).filter(RoleGrant.user_id == spare).scalar()),
            bank_b=bank.id,
            webhook_delivery=int(s.query(WebhookDelivery.id).scalar()),
        )


def test_every_workspace_route_is_in_the_table(app, world, extra):
    from werkzeug.routing import Map

    table = rows(world, extra)
    workspaces = (
        "admin",
        "funder",
        "prescriber",
        "desk",
        "help",
        "workspaces",
        "auth",
        "home",
        "account",
    )
    ours = [r for r in app.url_map.iter_rules() if r.endpoint.split(".")[0] in workspaces]
    probe = Map([r.empty() for r in ours]).bind("localhost")
    covered = {(probe.match(row.path, method=row.method)[0], row.method) for row in table}
    missing = [
        f"{m} {r.rule}"
        for r in ours
        for m in sorted(r.methods - {"HEAD", "OPTIONS"})
        if (r.endpoint, m) not in covered and r.rule not in NOT_IN_TABLE
    ]
    assert missing == []


def test_every_role_reaches_exactly_its_pages_and_its_own_objects(app, world, extra):
    table = rows(world, extra)
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
                wrong.append(
                    f"{person or 'anonyme'} {row.method} {row.path}: {got} (attendu {want})"
                )
            if got in ("deny", "hidden"):
                body = response.get_data(as_text=True)
                assert "Fondation A" not in body and "Pass A" not in body and "EPN A" not in body
    assert not wrong, "\n".join(wrong)
    assert len(table) * (len(PEOPLE) + 1) > 400


def test_the_acting_organisation_is_one_of_ones_own(app, world):
    """A person with roles in two organisations picks the one they act for (navigation
    bar); another organisation's id answers 404, and objects follow the chosen one."""
    from tests.web.workspace_world import PASSWORD, text

    with unit_of_work(app.extensions["voucher.engine"]) as s:
        people.create_user(
            s,
            f.ACTOR,
            email="deux-lieux@exemple.test",
            name="Deux Lieux",
            password=PASSWORD,
            grants=[(world.structure_a, "reception"), (world.structure_b, "reception")],
        )
    client = app.test_client()
    login(client, "deux-lieux@exemple.test")
    page = client.get("/accueil/")
    assert "EPN A" in text(page) and "Médiathèque B" in text(page)  # the chooser lists both

    def choose(org_id) -> int:
        return client.post(
            "/espace/organisation", data={"org_id": org_id, "csrf_token": token(page)}
        ).status_code

    assert choose(world.structure_a) == 303
    assert scan(client, world.codes_a[5], scan_id="two-places-0001").status_code == 200
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        scanned = int(s.query(Redemption.id).scalar())
        assert s.get(Redemption, scanned).structure_id == world.structure_a
    assert choose(world.funder_a) == 404 and choose("x") == 404  # not one of theirs
    assert choose(world.structure_b) == 303
    cancel = {"csrf_token": token(client.get("/accueil/"))}
    assert client.post(f"/accueil/scans/{scanned}/annuler", data=cancel).status_code == 404
    assert choose(world.structure_a) == 303
    assert client.post(f"/accueil/scans/{scanned}/annuler", data=cancel).status_code == 303
    anonymous = app.test_client()
    assert (
        anonymous.post(
            "/espace/organisation",
            data={"org_id": world.structure_a, "csrf_token": token(anonymous.get("/connexion"))},
        ).status_code
        == 302
    )
