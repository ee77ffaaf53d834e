"""The COG commune file: look-up by code, search by name or postcode, refusal of codes
that are not communes (a postcode typed where the INSEE code belongs)."""

from __future__ import annotations

import pytest

from voucher.domain import communes
from voucher.domain.errors import DomainError


def test_file_covers_france_with_its_year() -> None:
    assert communes.cog_year() >= 2024
    assert communes.get("86194").name == "Poitiers"
    assert communes.get("2A004").name == "Ajaccio"
    assert communes.get("97411").departement == "974"
    assert "86000" in communes.get("86194").postcodes
    assert communes.get("75101").parent == "75056"


def test_search_ignores_case_accents_hyphens() -> None:
    names = [c.code for c in communes.search("saint etienne")]
    assert "42218" in names  # Saint-Étienne
    assert communes.search("SAINT-ÉTIENNE")[0].code == "42218"
    assert communes.search("st etienne")[0].code == "42218"
    assert communes.search("poitiers")[0].code == "86194"
    assert communes.search("") == [] and communes.search("x") == []


def test_search_by_postcode_lists_every_commune_served() -> None:
    codes = {c.code for c in communes.search("86000")}
    assert codes == {"86194"}
    assert len(communes.search("01400")) > 3  # one postcode, several villages
    assert communes.search("2a004")[0].code == "2A004"


def test_postcode_typed_as_commune_is_refused_in_french() -> None:
    with pytest.raises(DomainError) as err:
        communes.check("86000")
    assert err.value.code == "unknown_commune"
    assert "code postal" in err.value.message and "Poitiers (86194)" in err.value.message


def test_unknown_and_malformed_codes_are_refused() -> None:
    with pytest.raises(DomainError) as err:
        communes.check("99999")
    assert err.value.code == "unknown_commune"
    with pytest.raises(DomainError) as err:
        communes.check("8619")
    assert err.value.code == "invalid_insee_code"


def test_arrondissement_is_stored_as_its_commune() -> None:
    assert communes.check("75111") == "75056"
    assert communes.check(" 86194 ") == "86194"
