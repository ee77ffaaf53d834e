"""A place joins in the browser: sign-up from its SIRET, the file step by step (a field
error shown by its field), an upload, a correction asked by the operator and sent again,
bank details validated by the operator, the file validated; then its first accepted scan
at the desk and its first statement. The directory answers a commune search."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from tests import factories as f
from tests.services.places import place_world as pw
from tests.web.browser.conftest import needs_chromium, screenshot, serious_violations, sign_in
from voucher.db.engine import unit_of_work
from voucher.db.models import Organisation, Statement
from voucher.domain import calendar
from voucher.domain.finance import Period
from voucher.services.context import SYSTEM
from voucher.services.finance import close
from voucher.services.issuance import handout
from voucher.web.limits import limiter

pytestmark = [pytest.mark.browser, needs_chromium]
EMAIL, PASSWORD = "mediatheque@exemple.test", "motdepasse-du-lieu"


def as_place(page, live) -> None:
    limiter.reset()
    page.context.clear_cookies()
    page.goto(live.url + "/connexion")
    page.get_by_label("Adresse électronique").fill(EMAIL)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "/connexion" not in url)  # each role lands on its work
    page.goto(live.url + "/lieu/")


def upload(page, kind: str, name: str, data: bytes, mime: str) -> None:
    page.select_option("#kind", kind)
    page.set_input_files("#file", files=[{"name": name, "mimeType": mime, "buffer": data}])
    page.get_by_role("button", name="Envoyer le justificatif").click()
    page.wait_for_selector("text=Justificatif envoyé")


def test_a_place_joins_then_scans_and_gets_its_first_statement(page, live):
    with unit_of_work(live.app.extensions["voucher.engine"]) as s:
        pw.load_extract(s)
    page.goto(live.url + "/lieu/inscription")
    page.get_by_label("Numéro SIRET de l'établissement").fill("12345678901234")
    page.get_by_label("Votre nom").fill("Awa Diallo")
    page.get_by_label("Votre adresse électronique").fill(EMAIL)
    page.locator("#password").fill(PASSWORD)
    page.locator("#password_again").fill(PASSWORD)
    page.get_by_role("button", name="Créer le compte de mon lieu").click()
    assert page.get_attribute("#siret", "aria-invalid") == "true"
    assert "SIRET invalide" in page.inner_text(".error-summary")
    screenshot(page, "lieu-inscription-erreur")
    assert serious_violations(page) == []
    page.get_by_label("Numéro SIRET de l'établissement").fill(pw.CHATELLERAULT)
    page.locator("#password").fill(PASSWORD)
    page.locator("#password_again").fill(PASSWORD)
    page.get_by_role("button", name="Créer le compte de mon lieu").click()
    page.wait_for_url(live.url + "/lieu/")
    assert "MEDIATHEQUE DU CHATELLERAULTAIS" in page.inner_text("h1")

    page.select_option("#legal_form", "public")
    for radio in page.locator("input[type=radio][value=oui]").all():
        radio.check()
    page.get_by_role("button", name="Enregistrer le questionnaire").click()
    page.wait_for_selector("text=Questionnaire enregistré")
    page.get_by_label("Aide aux démarches administratives").check()
    page.get_by_label("Présentation en quelques mots").fill("Ateliers numériques à la médiathèque.")
    page.get_by_role("button", name="Enregistrer les services").click()
    page.wait_for_selector("text=Services enregistrés")
    page.get_by_label("Nom du lieu d'accueil").fill("Médiathèque")
    page.get_by_label("Numéro", exact=True).fill("3")
    page.get_by_label("Voie").fill("place de la Mairie")
    page.get_by_label("Code postal").fill("86100")
    page.locator("#town").fill("Châtellerault")
    page.get_by_label("Code commune INSEE").fill("86066")
    page.get_by_label("Horaires d'ouverture").fill("mardi 10h")
    page.get_by_role("button", name="Ajouter cette adresse").click()
    assert page.get_attribute("#hours", "aria-invalid") == "true"
    page.get_by_label("Horaires d'ouverture").fill("Tu-Sa 10:00-12:30,14:00-18:00")
    page.get_by_label("Accessible en fauteuil roulant").check()
    page.get_by_role("button", name="Ajouter cette adresse").click()
    page.wait_for_selector("text=Adresse de présence ajoutée")
    upload(page, "regie", "regie.pdf", pw.PDF, "application/pdf")
    upload(page, "rib", "rib.pdf", pw.PDF, "application/pdf")
    page.get_by_label("Titulaire du compte").fill("Médiathèque du Châtelleraudais")
    page.get_by_label("IBAN").fill("FR76 3000 6000 0112 3456 7890 189")
    page.get_by_role("button", name="Enregistrer les coordonnées bancaires").click()
    page.wait_for_selector("text=Coordonnées bancaires enregistrées")
    page.get_by_role("button", name="Envoyer mon dossier à l'opérateur").click()
    page.wait_for_selector("text=Dossier envoyé")
    screenshot(page, "lieu-dossier-envoye")
    assert serious_violations(page) == []

    sign_in(page, live, "admin")
    page.goto(live.url + "/lieu/revue")
    page.get_by_role("link", name="MEDIATHEQUE DU CHATELLERAULTAIS").first.click()
    assert serious_violations(page) == []
    rib_row = page.locator("tr", has_text="RIB (relevé")
    rib_row.get_by_label("Message au lieu").fill("Le RIB est illisible, renvoyez-le.")
    rib_row.get_by_role("button", name="Demander une correction").click()
    page.wait_for_selector("text=Décision enregistrée")
    page.locator("#note").fill("Renvoyez un RIB lisible.")
    page.get_by_role("button", name="Demander une correction").last.click()
    page.wait_for_url(live.url + "/lieu/revue")

    as_place(page, live)
    assert "Renvoyez un RIB lisible." in page.content()
    assert "Le RIB est illisible" in page.content()
    upload(page, "rib", "rib.png", pw.PNG, "image/png")
    page.get_by_role("button", name="Envoyer mon dossier à l'opérateur").click()
    page.wait_for_selector("text=Dossier envoyé")

    sign_in(page, live, "admin")
    page.goto(live.url + "/lieu/revue")
    page.get_by_role("link", name="MEDIATHEQUE DU CHATELLERAULTAIS").first.click()
    while page.get_by_role("button", name="Valider", exact=True).count():
        page.get_by_role("button", name="Valider", exact=True).first.click()
        page.wait_for_selector("text=Décision enregistrée")
    page.get_by_role("button", name="Valider les coordonnées bancaires").click()
    page.wait_for_selector("text=coordonnées bancaires enregistrée")
    page.get_by_role("button", name="Valider le dossier et accorder le label").click()
    page.wait_for_selector("text=Dossier validé")
    screenshot(page, "lieu-revue-valide")

    as_place(page, live)
    assert "label valable jusqu" in page.content()
    page.goto(live.url + "/accueil/")
    page.keyboard.type(live.world.codes_a[0], delay=5)
    page.keyboard.press("Enter")
    page.wait_for_selector("#outcome .outcome.accepted")

    with unit_of_work(live.app.extensions["voucher.engine"]) as s:
        now = calendar.utcnow()
        period = Period(now.year, now.month)
        with calendar.at(datetime(now.year, now.month, 28, tzinfo=UTC) + timedelta(days=8)):
            close.close_month(s, SYSTEM, period)
        place = s.scalar(select(Organisation.id).where(Organisation.siret == pw.CHATELLERAULT))
        number = s.scalar(select(Statement.number).where(Statement.structure_id == place))
    assert number
    page.goto(live.url + "/lieu/releves")
    assert number in page.inner_text("main")
    screenshot(page, "lieu-premier-releve")

    page.context.clear_cookies()
    page.goto(live.url + "/ou-utiliser-mon-pass")
    page.get_by_label("Commune ou code postal").fill("chatellerault")
    page.get_by_role("button", name="Chercher").click()
    page.wait_for_selector("#resultats")
    assert "3 place de la Mairie" in page.inner_text(".places-list")
    screenshot(page, "annuaire-recherche")
    assert serious_violations(page) == []


def test_the_letter_with_a_carnet_lists_the_place_and_is_accessible(page, live):
    """Runs after the place above joined (same live server)."""
    w = live.world
    with unit_of_work(live.app.extensions["voucher.engine"]) as s:
        handout.hand_out(
            s,
            f.ACTOR,
            serial=w.first_serial_a + 1,
            prescriber_id=w.prescriber_a,
            profile=f.profile("dossier-lettre", commune_insee="86066"),
            key=b"browser-key",
        )
    sign_in(page, live, "prescriber_a")
    page.goto(live.url + "/prescripteur/carnets")
    page.get_by_role(
        "link", name=f"Lettre à imprimer pour le carnet {w.first_serial_a + 1}"
    ).click()
    assert "Les lieux près de chez vous" in page.inner_text("main")
    assert "3 place de la Mairie" in page.inner_text("main")
    screenshot(page, "lettre-carnet")
    assert serious_violations(page) == []
