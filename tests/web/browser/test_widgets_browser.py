"""Human widgets in a real browser: fraud thresholds are numbers with units and defaults
(no JSON box), accepted places a checkbox list with a filter (no Ctrl+click), labels chips
one adds and removes, and the organisation form proposes a combination it accepts. Every
refusal follows the GOV.UK pattern (summary focused, message by the field, aria-invalid)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from tests.web.browser.conftest import needs_chromium, screenshot, serious_violations, sign_in
from tests.web.browser.test_forms_browser import check_error
from voucher.db.engine import unit_of_work
from voucher.db.models import Organisation, Programme, ProgrammeLabel, ProgrammeStructure

pytestmark = [pytest.mark.browser, needs_chromium]


def edit_page(page, live) -> str:
    sign_in(page, live, "funder_a")
    path = f"{live.url}/financeur/dispositifs/{live.world.programme_a}/modifier"
    page.goto(path)
    return path


def saved(live, column):
    with unit_of_work(live.app.extensions["voucher.engine"]) as s:
        return s.execute(column).all()


def test_thresholds_are_numbers_with_units_defaults_and_field_errors(page, live):
    edit_page(page, live)
    assert page.locator("textarea").count() == 0
    field = page.get_by_label("Chèques d'un même carnet acceptés par jour")
    assert field.input_value() == "2"  # the default, shown, not a blank box
    assert "chèques" in field.locator("xpath=..").inner_text()
    field.fill("cinquante")
    page.get_by_role("button", name="Enregistrer").nth(2).click()
    page.wait_for_selector("#error-summary")
    check_error(page, "seuil__book_per_day__max", "écrivez un nombre entier, entre 1 et 50 chèques")
    assert page.input_value("#seuil__book_per_day__max") == "cinquante"
    page.fill("#seuil__book_per_day__max", "4")
    page.uncheck("#seuil__whole_book__active")
    page.get_by_role("button", name="Enregistrer").nth(2).click()
    page.wait_for_selector(".flash.success")
    assert page.input_value("#seuil__book_per_day__max") == "4"
    assert not page.is_checked("#seuil__whole_book__active")
    rows = saved(
        live, select(Programme.fraud_thresholds).where(Programme.id == live.world.programme_a)
    )
    # the world had switched the two daily rules off: the form kept that, changed the rest
    assert rows[0][0] == {
        "book_per_day": {"active": False, "max": 4},
        "beneficiary_per_day": {"active": False},
        "whole_book": {"active": False},
    }
    screenshot(page, "seuils-anti-fraude")


def test_places_are_ticked_from_a_filtered_list_and_labels_are_chips(page, live):
    edit_page(page, live)
    assert page.locator("select[multiple]").count() == 0
    page.get_by_label("Filtrer les lieux par nom").fill("mediatheque")  # accents ignored
    assert page.get_by_label("Médiathèque B").is_visible()
    assert not page.get_by_label("EPN A").is_visible()
    page.get_by_label("Médiathèque B").check()
    page.get_by_label("Filtrer les lieux par nom").fill("")
    assert page.get_by_label("EPN A").is_visible()
    adder = page.get_by_label("Ajouter un label")
    adder.fill("Pass numérique Vienne")
    adder.press("Enter")  # adds a chip, does not submit
    adder.fill("Label, avec virgule")
    page.get_by_role("button", name="Ajouter", exact=True).click()
    adder.fill("À retirer")
    adder.press("Enter")
    assert adder.input_value() == ""
    page.get_by_label("À retirer").uncheck()  # removing a chip
    assert serious_violations(page) == []
    page.get_by_role("button", name="Enregistrer").nth(1).click()
    page.wait_for_selector(".flash.success")
    labels = saved(
        live,
        select(ProgrammeLabel.label_name)
        .where(ProgrammeLabel.programme_id == live.world.programme_a)
        .order_by(ProgrammeLabel.label_name),
    )
    assert [r[0] for r in labels] == ["Label, avec virgule", "Pass numérique Vienne"]
    places = saved(
        live,
        select(ProgrammeStructure.structure_id).where(
            ProgrammeStructure.programme_id == live.world.programme_a
        ),
    )
    assert [r[0] for r in places] == [live.world.structure_b]
    assert page.is_checked(f"#structure-{live.world.structure_b}")
    screenshot(page, "lieux-et-labels")


def test_the_organisation_form_proposes_a_combination_it_accepts(page, live):
    sign_in(page, live, "funder_a")
    page.goto(live.url + "/financeur/organisations")
    assert page.is_checked("#role_prescriber") and not page.is_checked("#role_structure")
    page.fill("#name", "Maison France services de Lusignan")
    page.get_by_role("button", name="Créer l'organisation").click()
    page.wait_for_load_state()
    assert page.locator("#error-summary").count() == 0
    rows = saved(
        live,
        select(Organisation.is_prescriber, Organisation.is_structure).where(
            Organisation.name == "Maison France services de Lusignan"
        ),
    )
    assert rows == [(True, False)]


def test_an_organisation_without_a_role_is_refused_by_the_field(page, live):
    sign_in(page, live, "funder_a")
    page.goto(live.url + "/financeur/organisations")
    page.fill("#name", "Sans rôle")
    page.uncheck("#role_prescriber")
    page.get_by_role("button", name="Créer l'organisation").click()
    page.wait_for_selector("#error-summary")
    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert "Choisissez au moins un rôle" in page.locator("#roles-error").inner_text()
    page.locator("#error-summary a[href='#roles']").click()
    assert page.evaluate("document.activeElement.id") == "roles"
    assert page.input_value("#name") == "Sans rôle"
