"""SEPA credit-transfer files: valid against the official pain.001 XSD shipped with sepaxml
for both versions, structured addresses, our message id, exact amounts; a bad input gives
no file at all."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, date, datetime

import pytest
import xmlschema

from voucher.documents import sepa
from voucher.domain.errors import DomainError

DEBTOR = sepa.Party(
    "Opérateur du registre",
    "FR7630004000010001234567830",
    "BNPAFRPP",
    "place de la Mairie",
    "1",
    "86000",
    "Poitiers",
)
CREDITOR = sepa.Party(
    "Médiathèque de l'Été",
    "FR7630006000010000000012374",
    None,
    "rue de la République",
    "12",
    "86000",
    "Poitiers",
)


def build(version: str, transfers=None) -> bytes:
    transfers = transfers or [
        sepa.Transfer("REL-2026-000001-1", 123456, CREDITOR, "Releve 2026-000001"),
        sepa.Transfer("REL-2026-000002-1", 5, CREDITOR, "Releve 2026-000002"),
    ]
    return sepa.build(
        version,
        DEBTOR,
        transfers,
        msg_id="PN20261102TEST",
        created_at=datetime(2026, 11, 2, 8, tzinfo=UTC),
        execution_date=date(2026, 11, 3),
    )


def fields(xml: bytes) -> list[dict[str, str]]:
    local = lambda tag: tag.rsplit("}", 1)[-1]  # noqa: E731
    return [
        {local(e.tag): (e.text or "") for e in tx.iter()}
        for tx in ET.fromstring(xml).iter()
        if local(tx.tag) == "CdtTrfTxInf"
    ]


@pytest.mark.parametrize("version", ["pain.001.001.03", "pain.001.001.09"])
def test_the_file_validates_against_the_official_xsd(version):
    xml = build(version)
    schema = xmlschema.XMLSchema(str(sepa.schema_path(version)))
    assert schema.is_valid(xml.decode())
    assert (
        sepa.schema_path(version).read_text().count("urn:iso:std:iso:20022:tech:xsd:" + version)
        >= 1
    )
    header = ET.fromstring(xml)
    text = xml.decode()
    assert (
        "<MsgId>PN20261102TEST</MsgId>" in text and "<CreDtTm>2026-11-02T08:00:00</CreDtTm>" in text
    )
    assert "<NbOfTxs>2</NbOfTxs>" in text and "<CtrlSum>1234.61</CtrlSum>" in text
    assert header.tag.endswith("Document")


@pytest.mark.parametrize("version", ["pain.001.001.03", "pain.001.001.09"])
def test_each_transfer_has_its_end_to_end_id_amount_and_structured_address(version):
    first, second = fields(build(version))
    assert (first["EndToEndId"], first["InstdAmt"], second["InstdAmt"]) == (
        "REL-2026-000001-1",
        "1234.56",
        "0.05",
    )
    assert (first["StrtNm"], first["BldgNb"], first["PstCd"], first["TwnNm"], first["Ctry"]) == (
        "rue de la Republique",
        "12",
        "86000",
        "Poitiers",
        "FR",
    )
    assert first["Nm"] == "Mediatheque de l'Ete" and first["Ustrd"] == "Releve 2026-000001"
    assert "AdrLine" not in first


def test_a_broken_file_is_caught_by_the_xsd():
    xml = build("pain.001.001.09").replace(b"<EndToEndId>REL-2026-000001-1</EndToEndId>", b"")
    assert sepa.validate(xml, "pain.001.001.09")


@pytest.mark.parametrize(
    "bad",
    [
        sepa.Transfer(
            "REL-1",
            100,
            sepa.Party("X", "FR76 pas un IBAN", None, "rue", "1", "86000", "Poitiers"),
            "R",
        ),
        sepa.Transfer(
            "REL-1",
            100,
            sepa.Party(
                "X", "FR7630006000010000000012374", None, "rue", "1", "86000", "Poitiers", "France"
            ),
            "R",
        ),
        sepa.Transfer("E" * 36, 100, CREDITOR, "R"),
    ],
)
def test_bad_input_gives_no_file(bad):
    with pytest.raises(DomainError) as refused:
        build("pain.001.001.09", [bad])
    assert refused.value.code == "sepa_invalid"


def test_an_unknown_version_is_refused():
    with pytest.raises(DomainError) as refused:
        build("pain.001.001.02")
    assert refused.value.code == "invalid_sepa_version"


EPC_SET = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/-?:().,'+ ")
REAL_NAMES = [
    ("Médiathèque de l'Été", "Mediatheque de l'Ete"),
    ("L’Œuvre d’Ève", "L'OEuvre d'Eve"),
    ("Cœur & Âme", "Coeur et Ame"),
    ("Ex Æquo", "Ex AEquo"),
    ("Straße 5", "Strasse 5"),
    ("Tiers-lieu <La Forge>; numérique", "Tiers-lieu La Forge numerique"),
    ("« Les Geeks »", "Les Geeks"),
    ("Fab_Lab N°3", "Fab-Lab No3"),
    ('Association "Ça Marche !"', "Association Ca Marche"),
    ("Ğüñçø Łódź", "Gunco Lodz"),
]


@pytest.mark.parametrize(("raw", "plain"), REAL_NAMES)
def test_names_are_transliterated_to_the_epc_basic_latin_set(raw, plain):
    got = sepa.epc_latin(raw)
    assert got == plain
    assert set(got) <= EPC_SET


def test_transliteration_keeps_the_length_limit_without_a_trailing_space():
    long = "Œuvre " * 30
    got = sepa.epc_latin(long, 70)
    assert len(got) <= 70 and not got.endswith(" ")
    assert set(got) <= EPC_SET


def _texts(xml: bytes) -> list[str]:
    return [e.text for e in ET.fromstring(xml).iter() if e.text and e.text.strip()]


@pytest.mark.parametrize("version", ["pain.001.001.03", "pain.001.001.09"])
def test_a_file_of_real_world_names_only_holds_epc_characters_and_validates(version):
    transfers = [
        sepa.Transfer(
            f"REL-2026-00000{i}-1",
            100 + i,
            sepa.Party(
                raw * 3,
                "FR7630006000010000000012374",
                None,
                "rue de l’Abbé-Grégoire <bis>; cour & jardin",
                "12 bis",
                "86000",
                "Saint-Étienne-d’Œuf",
            ),
            f"Relevé {raw}",
        )
        for i, (raw, _) in enumerate(REAL_NAMES)
    ]
    xml = build(version, transfers)
    assert sepa.validate(xml, version) == []
    xmlschema.XMLSchema(str(sepa.schema_path(version))).validate(xml.decode())
    for tx in fields(xml):
        for tag in ("Nm", "StrtNm", "TwnNm", "Ustrd"):
            if tag in tx:
                assert set(tx[tag]) <= EPC_SET, (tag, tx[tag])
    assert "Coeur et Ame" in xml.decode()
    assert "<La" not in xml.decode() and "&amp;" not in xml.decode()
