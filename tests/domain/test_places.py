"""Places' pure rules: services, hours, accessibility, phone, label dates, search keys and
the reminder's words."""

from __future__ import annotations

from datetime import date

import pytest

from voucher.domain import places
from voucher.domain.errors import DomainError


def test_a_label_runs_twelve_months_less_a_day():
    assert places.label_until(date(2026, 3, 15)) == date(2027, 3, 14)
    assert places.label_until(date(2027, 2, 28)) == date(2028, 2, 27)
    assert places.label_until(date(2028, 2, 29)) == date(2029, 2, 27)


@pytest.mark.parametrize(
    "raw", ["Mo-Fr 09:00-12:00", "Mo,We 09:00-12:00,14:00-17:30; Sa 10:00-12:00", "Su off"]
)
def test_hours_in_the_openstreetmap_syntax_are_kept(raw):
    assert places.hours(raw) == raw


@pytest.mark.parametrize("raw", ["lundi matin", "Mo 9h-12h", "Xx 09:00-10:00", "Mo-Fr"])
def test_other_hours_are_refused(raw):
    with pytest.raises(DomainError) as refused:
        places.hours(raw)
    assert refused.value.code == "invalid_hours"


def test_hours_read_in_french():
    assert places.hours_in_french("Mo-Fr 09:00-12:00; Sa off") == [
        "lundi au vendredi : 9 h 00 – 12 h 00",
        "samedi : fermé",
    ]


def test_services_are_the_national_themes_only():
    assert places.services(["Loisirs et créations numériques"]) == [
        "Loisirs et créations numériques"
    ]
    for bad in ([], ["Cuisine"], ["Loisirs et créations numériques", "Cuisine"]):
        with pytest.raises(DomainError):
            places.services(bad)


def test_phone_numbers_take_the_international_form():
    assert places.phone("05 49 00 00 00") == "+33549000000"
    assert places.phone("") is None
    with pytest.raises(DomainError):
        places.phone("123")


def test_search_keys_ignore_accents_case_hyphens_and_saint():
    assert places.search_key("Saint-Jean-d'Angély") == places.search_key("ST JEAN D ANGELY")
    assert places.department("97411") == "974" and places.department("2A004") == "2A"


def test_the_reminder_says_when_and_what_to_do():
    subject, body = places.reminder_message(
        "Médiathèque", "Pass numérique", date(2027, 3, 14), "https://exemple.test/lieu/"
    )
    assert "14/03/2027" in subject and "ne pourra plus accepter" in body
    assert "https://exemple.test/lieu/" in body
