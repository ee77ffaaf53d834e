"""Reading the national places file: whole-file checks, French messages naming the bad
lines, both CSV dialects and JSON, places without SIRET skipped (not refused)."""

from __future__ import annotations

import json

import pytest

from tests import factories as f
from voucher.domain import lieux
from voucher.domain.errors import DomainError

HEADER = "id;pivot;nom;adresse;code_postal;code_insee;commune;services"


def row(siret: str, name: str = "EPN", address: str = "3 rue Haute") -> str:
    return f"x-{name};{siret};{name};{address};86000;86194;Poitiers;Courriel|Santé"


def test_a_french_excel_csv_is_read_with_its_bom_and_semicolons():
    siret = f.siret()
    data = ("\ufeff" + HEADER + "\n" + row(siret) + "\n").encode("utf-8")
    parsed = lieux.parse(data, "lieux.csv")
    assert [(p.siret, p.street_number, p.street, p.services) for p in parsed.lieux] == [
        (siret, "3", "rue Haute", "Courriel|Santé")
    ]


@pytest.mark.parametrize(
    ("address", "number", "street"),
    [
        ("12 bis rue des Écoles", "12 bis", "rue des Écoles"),
        ("4, place du Marché", "4", "place du Marché"),
        ("Lieu-dit les Granges", "", "Lieu-dit les Granges"),
        ("7B avenue Foch", "7B", "avenue Foch"),
    ],
)
def test_a_street_number_is_split_from_the_street(address, number, street):
    assert lieux.split_address(address) == (number, street)


def test_json_lists_under_data_and_multi_valued_services_are_accepted():
    siret = f.siret()
    doc = {
        "data": [
            {
                "id": "a",
                "pivot": siret,
                "nom": "Café",
                "adresse": "1 rue Basse",
                "code_postal": "86400",
                "code_insee": "86078",
                "commune": "Civray",
                "services": ["Courriel", "Santé"],
            }
        ]
    }
    parsed = lieux.parse(json.dumps(doc).encode(), "lieux.json")
    assert parsed.lieux[0].services == "Courriel|Santé" and parsed.lieux[0].commune_insee == "86078"


def test_places_without_siret_and_repeated_sirets_are_skipped_and_reported():
    siret = f.siret()
    data = "\n".join(
        [HEADER, row(siret, "A"), row("W861234567", "B"), row(siret, "C"), row("0" * 14, "D")]
    ).encode()
    parsed = lieux.parse(data, "x.csv")
    assert [p.name for p in parsed.lieux] == ["A"]
    assert [(line, why.split(" :")[0]) for line, _, why in parsed.skipped] == [
        (3, "sans SIRET"),
        (4, "SIRET en double dans le fichier"),
        (5, "sans SIRET"),
    ]


def test_one_bad_line_refuses_the_whole_file_and_names_it():
    data = "\n".join(
        [
            HEADER,
            row(f.siret()),
            row("12345678901234", "X"),
            row(f.siret(), "Y").replace("86194", "8619"),
        ]
    )
    with pytest.raises(DomainError) as err:
        lieux.parse(data.encode(), "x.csv")
    assert err.value.code == "import_invalid"
    assert "ligne 3 : SIRET invalide (12345678901234)" in err.value.message
    assert "ligne 4 : code INSEE invalide (8619)" in err.value.message


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "import_empty"),
        (b"   \n", "import_empty"),
        (HEADER.encode(), "import_empty"),
        ("id;nom\n1;é".encode("latin-1"), "import_encoding"),
        (b"id;nom\n1;x\n", "import_missing_columns"),
        (b"[1, 2]", "import_unreadable"),
        (b'{"data": 3}', "import_unreadable"),
        (b"{pas du json", "import_unreadable"),
        (b"justeunmot\n", "import_unreadable"),
    ],
)
def test_unusable_files_get_a_stable_code_and_a_french_message(data, code):
    with pytest.raises(DomainError) as err:
        lieux.parse(data, "x.csv")
    assert err.value.code == code and err.value.message


def test_a_file_with_too_many_places_is_refused():
    data = (HEADER + "\n" + (row(f.siret()) + "\n") * (lieux.MAX_ROWS + 1)).encode()
    with pytest.raises(DomainError) as err:
        lieux.parse(data, "x.csv")
    assert err.value.code == "import_too_large"
