"""The camt reader: every version reads the same, amounts are exact cents, and anything
hostile or broken is refused with a stable code (no database needed)."""

from __future__ import annotations

from datetime import date

import pytest

from tests.documents import camt_files as cf
from voucher.documents import camt
from voucher.domain.errors import DomainError

LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
    + b"".join(
        b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b']><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">&lol9;</Document>'
)
XXE = (
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">&xxe;</Document>'
)
PARAMETER = (
    b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY % p SYSTEM "http://192.0.2.1/x.dtd"> %p;]>'
    b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"/>'
)
EXTERNAL_DTD = (
    b'<?xml version="1.0"?><!DOCTYPE Document SYSTEM "http://192.0.2.1/camt.dtd">'
    b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"/>'
)


@pytest.mark.parametrize("version", ["001.02", "001.04", "001.08", "001.13"])
def test_every_camt053_version_reads_the_same(version):
    data = cf.camt053(
        [
            cf.Line(123456, e2e="REL-2026-000001-1", iban="FR7630006000010000000012374"),
            cf.Line(1000, "CRDT", "REL-2026-000002-1", return_reason="AC04"),
        ],
        version=version,
    )
    parsed = camt.read(data)
    assert parsed.kind == "camt.053" and parsed.version == f"camt.053.{version}"
    assert parsed.account_iban == cf.OUR_IBAN
    first, second = parsed.lines
    assert (first.amount_cents, first.direction, first.booked, first.booking_date) == (
        123456,
        "DBIT",
        True,
        date(2026, 6, 4),
    )
    assert (
        first.end_to_end_id == "REL-2026-000001-1" and "FR7630006000010000000012374" in first.ibans
    )
    assert second.is_return and second.return_reason == "AC04"


def test_a_camt054_notification_and_a_batch_debit_give_one_line_per_transfer():
    assert camt.read(cf.camt054([cf.Line(500, e2e="E1")])).kind == "camt.054"
    batch = camt.read(
        cf.batch_debit([(1000, "E1", "FR7630006000010000000012374"), (2550, "E2", "FR76X")])
    )
    assert [(x.amount_cents, x.end_to_end_id) for x in batch.lines] == [(1000, "E1"), (2550, "E2")]


def test_a_pending_entry_is_read_as_not_booked():
    assert (
        camt.read(cf.camt053([cf.Line(100, status="PDNG", e2e="E")], version="001.08"))
        .lines[0]
        .booked
        is False
    )


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "bank_file_empty"),
        (b"   \n\t ", "bank_file_empty"),
        (LAUGHS, "bank_file_unsafe"),
        (XXE, "bank_file_unsafe"),
        (PARAMETER, "bank_file_unsafe"),
        (EXTERNAL_DTD, "bank_file_unsafe"),
        (b"<Document", "bank_file_malformed"),
        (b"\xff\xfe<\x00D\x00o\x00c\x00", "bank_file_malformed"),
        (
            '<?xml version="1.0" encoding="UTF-8"?><Document>caf\u00e9</Document>'.encode(
                "latin-1"
            ),
            "bank_file_malformed",
        ),
        (b'<?xml version="1.0" encoding="x-unknown-99"?><Document/>', "bank_file_malformed"),
        (b"<Document/>", "bank_file_not_camt"),
        (
            b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.052.001.02"><BkToCstmrAcctRpt/></Document>',
            "bank_file_not_camt",
        ),
        (
            b'<Document xmlns="urn:example:camt.053.001.02"><BkToCstmrStmt/></Document>',
            "bank_file_not_camt",
        ),
        (b'<Other xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"/>', "bank_file_not_camt"),
        (b"<html><body>Erreur 500</body></html>", "bank_file_not_camt"),
        (b"%PDF-1.7 not xml at all", "bank_file_malformed"),
        (cf.camt053([cf.Line(100)]).replace(b'"EUR">1.00<', b'"EUR">1,00<'), "bank_file_malformed"),
        (cf.camt053([cf.Line(100)]).replace(b"2026-06-04", b"04/06/2026"), "bank_file_malformed"),
    ],
)
def test_hostile_or_broken_files_are_refused_with_a_clear_code(data, code):
    with pytest.raises(DomainError) as refused:
        camt.read(data)
    assert refused.value.code == code
    assert refused.value.message and "Traceback" not in refused.value.message


def test_a_huge_file_is_refused_before_it_is_parsed():
    huge = b"<Document>" + b" " * (camt.MAX_BYTES + 1) + b"</Document>"
    with pytest.raises(DomainError) as refused:
        camt.read(huge)
    assert refused.value.code == "bank_file_too_large"


def test_refusal_messages_are_french_sentences():
    for code in (
        "bank_file_empty",
        "bank_file_unsafe",
        "bank_file_malformed",
        "bank_file_not_camt",
    ):
        assert "fichier" in DomainError(code).message.lower()
