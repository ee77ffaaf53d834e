"""Form errors as the GOV.UK design system shows them, in a real browser: the error summary
at the top has the focus and links to the field, the field has its message beside it and
``aria-invalid``, what was typed is still there, and nothing was created."""

from __future__ import annotations

import pytest

from tests.web.browser.conftest import needs_chromium, screenshot, serious_violations, sign_in

pytestmark = [pytest.mark.browser, needs_chromium]


def check_error(page, field_id: str, message: str) -> None:
    summary = page.locator("#error-summary")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement && document.activeElement.id") == "error-summary"
    assert "Il y a un problème" in summary.inner_text() and message in summary.inner_text()
    link = summary.locator(f"a[href='#{field_id}']")
    assert link.count() == 1
    field = page.locator(f"#{field_id}")
    assert field.get_attribute("aria-invalid") == "true"
    error = page.locator(f"#{field_id}-error")
    assert message in error.inner_text()
    assert f"{field_id}-error" in (field.get_attribute("aria-describedby") or "").split()
    link.click()  # the summary's link takes the person to the field
    assert page.evaluate("document.activeElement.id") == field_id
    assert serious_violations(page) == []


def test_the_hand_out_form_shows_its_error_by_the_field_and_keeps_what_was_typed(page, live):
    sign_in(page, live, "prescriber_a")
    page.goto(live.url + "/prescripteur/remettre")
    page.get_by_label("Numéro du carnet").fill("999999")  # not in this prescriber's stock
    page.get_by_label("Référence locale de la personne").fill("dossier-erreur-7")
    page.get_by_label("Public").select_option("jeunes_insertion")
    page.get_by_label("Tranche d'âge").select_option("dix_huit_vingt_quatre")
    page.get_by_label("Situation").select_option("sans_emploi")
    page.get_by_role("button", name="Remettre le carnet").click()
    page.wait_for_selector("#error-summary")
    check_error(page, "serial", "pas dans le stock")
    assert page.input_value("#serial") == "999999"
    assert page.input_value("#local_reference") == "dossier-erreur-7"  # kept, not retyped
    assert page.input_value("#population") == "jeunes_insertion"
    assert page.input_value("#age_band") == "dix_huit_vingt_quatre"
    screenshot(page, "formulaire-erreur-remise")


def test_a_missing_field_is_refused_by_the_server_not_by_a_browser_bubble(page, live):
    sign_in(page, live, "admin")
    page.goto(live.url + "/admin/cles")
    before = page.locator("tbody tr").count()
    page.get_by_label("Organisation").select_option(str(live.world.structure_a))
    page.get_by_label("Rôle").select_option("reception")
    page.get_by_role("button", name="Créer la clé").click()  # no name
    page.wait_for_selector("#error-summary")
    check_error(page, "name", "nom")
    assert page.input_value("#organisation_id") == str(live.world.structure_a)
    assert page.locator("tbody tr").count() == before
    screenshot(page, "formulaire-erreur-cle")


def test_a_new_person_with_a_bad_address_keeps_the_other_fields(page, live):
    sign_in(page, live, "admin")
    page.goto(live.url + "/admin/utilisateurs")
    page.get_by_label("Nom affiché").fill("Camille Essai")
    page.get_by_label("Adresse électronique").fill("pas-une-adresse")
    page.get_by_role("button", name="Créer le compte").click()
    page.wait_for_selector("#error-summary")
    assert page.input_value("#name") == "Camille Essai"
    assert page.input_value("#email") == "pas-une-adresse"
    first = page.locator("#error-summary a").first.get_attribute("href").lstrip("#")
    assert page.locator(f"#{first}").get_attribute("aria-invalid") == "true"
    assert page.evaluate("document.activeElement.id") == "error-summary"
