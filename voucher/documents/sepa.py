"""SEPA credit-transfer files (pain.001.001.03 or .09) built with sepaxml and validated
against the official ISO 20022 XSD that sepaxml ships (through xmlschema) before anyone
sees them.

Rules kept: amounts are integer cents; one transaction per statement with its own
EndToEndId and the statement number as unstructured remittance information; debtor and
creditors carry **structured** postal addresses (street, building number, postcode, town,
country: banks refuse unstructured ones from November 2026); names, addresses and
remittance text are transliterated to the EPC basic Latin set (:func:`epc_latin`) and cut
to the schema's lengths; the message id and creation time are ours (stored with the run), not
sepaxml's random ones.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from text_unidecode import unidecode

from voucher.domain.errors import DomainError
from voucher.domain.finance import PAIN_VERSIONS


@dataclass(frozen=True)
class Party:
    name: str
    iban: str
    bic: str | None
    street: str
    building: str
    postcode: str
    town: str
    country: str = "FR"

    def address(self) -> dict[str, str]:
        fields = {
            "street_name": (self.street, 70),
            "building_number": (self.building, 16),
            "postcode": (self.postcode, 16),
            "town": (self.town, 35),
            "country": (self.country, 2),
        }
        return {k: epc_latin(v, n) for k, (v, n) in fields.items() if epc_latin(v)}


@dataclass(frozen=True)
class Transfer:
    end_to_end_id: str
    amount_cents: int
    creditor: Party
    remittance: str


#: characters the EPC basic Latin set allows (EPC217-08): a-z A-Z 0-9 / - ? : ( ) . , ' + space
OUTSIDE_EPC = re.compile(r"[^A-Za-z0-9/\-?:().,'+ ]")
#: replacements that keep the meaning; everything else outside the set becomes a space
_WORDS = {"&": " et ", "_": "-", "\u00b0": "o", "@": " a "}


def epc_latin(text: str, limit: int | None = None) -> str:
    """``text`` in the EPC basic Latin set: accents removed (é -> e), ligatures spelt out
    (œ -> oe, æ -> ae, ß -> ss), typographic apostrophes and dashes made plain, ``&`` -> ``et``,
    any other character (< > ; " * ! ...) replaced by a space; spaces collapsed; then cut to
    ``limit`` characters (without a trailing space)."""
    plain = text or ""
    for char, word in _WORDS.items():
        plain = plain.replace(char, word)
    plain = OUTSIDE_EPC.sub(" ", unidecode(plain))
    plain = " ".join(plain.split())
    return plain[:limit].rstrip() if limit else plain


def schema_path(version: str) -> Path:
    import sepaxml

    return Path(sepaxml.__file__).parent / "schemas" / f"{version}.xsd"


@functools.cache
def _schema(version: str) -> Any:
    import xmlschema

    return xmlschema.XMLSchema(str(schema_path(version)))


def validate(xml: bytes, version: str) -> list[str]:
    """Problems found by the official XSD (empty list: valid)."""
    if version not in PAIN_VERSIONS:
        raise DomainError("invalid_sepa_version")
    return [str(err.reason or err) for err in _schema(version).iter_errors(xml.decode("utf-8"))]


def _transfer_class() -> type:
    from sepaxml import SepaTransfer

    class PinnedTransfer(SepaTransfer):
        """sepaxml with our message id and creation time in the group header."""

        def __init__(
            self, config: dict[str, Any], schema: str, msg_id: str, created_at: datetime
        ) -> None:
            self._pinned = (msg_id, created_at)
            super().__init__(config, schema=schema, clean=True)

        def _create_header(self) -> None:
            self.msg_id = self._pinned[0]
            super()._create_header()
            header = self._xml.find("CstmrCdtTrfInitn/GrpHdr")
            header.find("CreDtTm").text = self._pinned[1].strftime("%Y-%m-%dT%H:%M:%S")

    return PinnedTransfer


def build(
    version: str,
    debtor: Party,
    transfers: list[Transfer],
    *,
    msg_id: str,
    created_at: datetime,
    execution_date: date,
) -> bytes:
    """The pain.001 file, validated; raises ``sepa_invalid`` rather than offer a bad file."""
    if version not in PAIN_VERSIONS:
        raise DomainError("invalid_sepa_version")
    config: dict[str, Any] = {
        "name": epc_latin(debtor.name, 70),
        "IBAN": debtor.iban,
        "batch": True,
        "currency": "EUR",
        "address": debtor.address(),
    }
    if debtor.bic:
        config["BIC"] = debtor.bic
    sepa = _transfer_class()(config, version, msg_id, created_at)
    for t in transfers:
        payment: dict[str, Any] = {
            "name": epc_latin(t.creditor.name, 70),
            "IBAN": t.creditor.iban,
            "amount": t.amount_cents,
            "execution_date": execution_date,
            "description": epc_latin(t.remittance, 140),
            "endtoend_id": t.end_to_end_id,
            "address": t.creditor.address(),
        }
        if t.creditor.bic:
            payment["BIC"] = t.creditor.bic
        sepa.add_payment(payment)
    try:
        xml: bytes = sepa.export(validate=False)
    except Exception as exc:  # sepaxml raises bare Exceptions on bad input
        raise DomainError("sepa_invalid", detail=str(exc)[:200]) from exc
    problems = validate(xml, version)
    if problems:
        raise DomainError("sepa_invalid", detail=problems[0][:200])
    return xml
