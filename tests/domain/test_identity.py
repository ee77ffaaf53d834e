from __future__ import annotations

import pytest

from voucher.domain import identity
from voucher.domain.errors import DomainError


def test_siret_iban_and_insee_codes_are_validated():
    assert identity.siret("732 829 320 00074") == "73282932000074"
    for bad, fn, code in [
        ("73282932000075", identity.siret, "invalid_siret"),
        ("FR7630006000011234567890180", identity.iban, "invalid_iban"),
        ("1234", identity.insee_commune, "invalid_insee_code"),
    ]:
        with pytest.raises(DomainError) as exc:
            fn(bad)
        assert exc.value.code == code
    assert identity.iban("fr76 3000 6000 0112 3456 7890 189") == "FR7630006000011234567890189"
    assert identity.insee_commune("2a004") == "2A004"


def test_arrondissements_map_to_their_commune():
    assert identity.insee_commune("75112") == "75056"
    assert identity.insee_commune("69383") == "69123"
    assert identity.insee_commune("13208") == "13055"


def test_pseudonyms_are_keyed_and_scoped_to_the_prescriber():
    a = identity.pseudonym(b"k1", 1, "Dossier 42")
    assert a == identity.pseudonym(b"k1", 1, " dossier 42 ")
    assert a != identity.pseudonym(b"k2", 1, "Dossier 42")
    assert a != identity.pseudonym(b"k1", 2, "Dossier 42")
    assert "42" not in a
