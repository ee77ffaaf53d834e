"""Each role signs in through the form and reaches its workspace (screenshot kept); the
prescriber hands a carnet out; the funder issues a batch and downloads its proof and
production PDFs; axe finds no serious or critical violation on the main pages."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.web.browser.conftest import needs_chromium, screenshot, serious_violations, sign_in

pytestmark = [pytest.mark.browser, needs_chromium]

WORKSPACES = [
    ("admin", "Administration", "/admin/"),
    ("funder_a", "Financeur", "/financeur/"),
    ("prescriber_a", "Prescripteur", "/prescripteur/"),
    ("reception_a", "Accueil (scan)", "/accueil/"),
    ("finance", "Revue", "/revue"),
    ("evaluator", "Aide", "/aide/"),
]


@pytest.mark.parametrize(("who", "link", "path"), WORKSPACES)
def test_each_role_signs_in_and_opens_its_workspace(page, live, who, link, path):
    sign_in(page, live, who)
    page.get_by_role("navigation", name="Navigation principale").get_by_role(
        "link", name=link, exact=True
    ).click()
    page.wait_for_url(live.url + path)
    assert page.locator("h1").count() == 1
    screenshot(page, f"espace-{who}")
    assert serious_violations(page) == []


MAIN_PAGES = {
    "admin": ["/admin/utilisateurs", "/admin/organisations", "/admin/cles"],
    "funder_a": ["/financeur/zones", "/financeur/organisations", "/financeur/dispositifs/nouveau"],
    "prescriber_a": ["/prescripteur/remettre", "/prescripteur/carnets"],
}


@pytest.mark.parametrize("who", sorted(MAIN_PAGES))
def test_main_pages_have_no_serious_accessibility_violation(page, live, who):
    sign_in(page, live, who)
    pages = list(MAIN_PAGES[who])
    if who == "funder_a":
        pages += [
            f"/financeur/dispositifs/{live.world.programme_a}",
            f"/financeur/dispositifs/{live.world.programme_a}/modifier",
            f"/financeur/lots/{live.world.batch_a}",
            f"/financeur/organisations/{live.world.structure_a}",
        ]
    if who == "admin":
        pages += [
            f"/admin/utilisateurs/{live.world.user_ids['reception_a']}",
            f"/admin/organisations/{live.world.structure_a}",
        ]
    found = {}
    for path in pages + ["/aide/", "/aide/accueil", "/aide/lecteur"]:
        page.goto(live.url + path)
        screenshot(page, "page" + path.replace("/", "-").rstrip("-"))
        problems = serious_violations(page)
        if problems:
            found[path] = problems
    assert found == {}


def test_a_prescriber_hands_a_carnet_out(page, live):
    sign_in(page, live, "prescriber_a")
    page.goto(live.url + "/prescripteur/")
    page.get_by_role(
        "button", name=f"Confirmer la réception du lot n° {live.world.batch_a}"
    ).click()
    page.wait_for_selector("text=Réception du lot")
    page.get_by_role("link", name="Remettre un carnet").click()
    serial = live.world.first_serial_a + 2
    page.get_by_label("Numéro du carnet").fill(str(serial))
    page.get_by_label("Référence locale de la personne").fill("dossier-navigateur-1")
    page.get_by_label("Public").select_option("jeunes_insertion")
    page.get_by_label("Tranche d'âge").select_option("dix_huit_vingt_quatre")
    page.get_by_label("Situation").select_option("sans_emploi")
    # the commune is searched by name (the COG file), never typed as a code
    page.get_by_label("Commune de résidence : chercher par nom ou code postal").fill("Poitiers")
    page.locator('#commune_insee option[value="86194"]').wait_for(state="attached")
    page.locator("#commune_insee").select_option("86194")
    page.get_by_label("La personne accepte").check()
    screenshot(page, "prescripteur-remise")
    page.get_by_role("button", name="Remettre le carnet").click()
    page.wait_for_url(live.url + f"/prescripteur/carnets?remis={serial}")
    assert page.get_by_role("link", name="Imprimer la lettre des lieux proches").is_visible()
    assert f"Carnet n° {serial:06d} remis" in page.inner_text("main")
    assert "0 / 10" in page.inner_text("table")
    assert serious_violations(page) == []


def test_a_funder_issues_a_batch_and_downloads_its_files(page, live):
    pytest.importorskip("voucher.services.printing.production")
    sign_in(page, live, "funder_a")
    page.goto(live.url + f"/financeur/dispositifs/{live.world.programme_a}")
    page.get_by_label("Prescripteur qui recevra les carnets").select_option(
        str(live.world.prescriber_a)
    )
    page.get_by_label("Nombre de carnets").fill("2")
    page.get_by_role("button", name="Émettre le lot").click()
    page.wait_for_selector("text=Relisez l'épreuve puis validez-la")
    screenshot(page, "financeur-lot")
    with page.expect_download() as proof:
        page.get_by_role("button", name="Télécharger l'épreuve (PDF)").click()
    assert proof.value.suggested_filename.endswith("-epreuve.pdf")
    assert Path(proof.value.path()).read_bytes()[:4] == b"%PDF"
    page.reload()  # the page now names the proof downloaded: that is the one approved
    page.get_by_role("button", name="Valider l'épreuve").click()
    page.wait_for_selector("text=Cette épreuve est validée")
    with page.expect_download() as production:
        page.get_by_role("button", name="Télécharger le fichier de production (PDF)").click()
    assert Path(production.value.path()).read_bytes()[:4] == b"%PDF"
    assert serious_violations(page) == []
