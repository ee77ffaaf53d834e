"""A forgotten password in the browser: "Mot de passe oublié ?" from the sign-in page, the
mail read at a real SMTP server on loopback, its link followed, a password refused then
set (the GOV.UK error summary in between), the old one refused, the new one signs in, and
the link refused the second time."""

from __future__ import annotations

import pytest

from tests.mailbox import Mailbox
from tests.web.browser.conftest import needs_chromium, screenshot, serious_violations
from tests.web.workspace_world import PASSWORD
from voucher.services.jobs import worker
from voucher.services.mail import reset
from voucher.web.limits import limiter

pytestmark = [pytest.mark.browser, needs_chromium]
NEW = "un-mot-de-passe-tout-neuf"


def sign_in(page, live, email: str, password: str) -> None:
    limiter.reset()
    page.goto(live.url + "/connexion")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def test_a_forgotten_password_is_reset_from_the_mail(page, live, smtp, monkeypatch):
    monkeypatch.setenv("VOUCHER_BASE_URL", live.url)
    email = live.world.emails["prescriber_a"]
    limiter.reset()
    page.goto(live.url + "/connexion")
    page.get_by_role("link", name="Mot de passe oublié ?").click()
    page.wait_for_selector("h1:text('Mot de passe oublié')")
    assert serious_violations(page) == []
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_role("button", name="Recevoir le lien").click()
    page.wait_for_selector("text=Vérifiez votre messagerie")
    assert smtp.messages == []  # sent by the job worker, after the request's commit
    assert worker.deliver_mail(eng=live.app.extensions["voucher.engine"]) == 1
    [mail] = smtp.to(email)
    assert mail["Subject"] == "Réinitialiser votre mot de passe"
    link = next(w for w in Mailbox.text(mail).split() if reset.PATH in w)
    assert link.startswith(live.url)

    page.goto(link)
    page.get_by_label("Nouveau mot de passe").fill("court")
    page.get_by_label("Le même mot de passe, une seconde fois").fill("court")
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    assert "12 caractères" in page.inner_text(".error-summary")
    assert page.get_attribute("#password", "aria-invalid") == "true"
    screenshot(page, "mot-de-passe-erreur")
    assert serious_violations(page) == []
    page.get_by_label("Nouveau mot de passe").fill(NEW)
    page.get_by_label("Le même mot de passe, une seconde fois").fill(NEW)
    page.get_by_role("button", name="Enregistrer le mot de passe").click()
    page.wait_for_selector("text=Mot de passe changé")

    sign_in(page, live, email, PASSWORD)
    page.wait_for_selector("text=Identifiant ou mot de passe incorrect")
    sign_in(page, live, email, NEW)
    page.wait_for_url(lambda url: "/connexion" not in url)
    page.goto(live.url + "/compte/notifications")
    assert page.get_by_label("Tâche longue que j'ai lancée terminée").is_checked()
    assert serious_violations(page) == []

    page.goto(link)
    assert "Ce lien a déjà servi" in page.inner_text("main")
