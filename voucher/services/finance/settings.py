"""Finance settings from the environment, with fictitious demo defaults.

| variable | meaning | default |
|---|---|---|
| ``VOUCHER_SEPA_VERSION`` | ``pain.001.001.03`` or ``pain.001.001.09`` | ``pain.001.001.09`` |
| ``VOUCHER_DEBTOR_NAME`` | account holder paying the structures (the operator) | demo name |
| ``VOUCHER_DEBTOR_IBAN`` / ``VOUCHER_DEBTOR_BIC`` | its bank account (BIC derived from the IBAN if absent) | demo IBAN |
| ``VOUCHER_DEBTOR_STREET`` ``_BUILDING`` ``_POSTCODE`` ``_TOWN`` ``_COUNTRY`` | its structured address | demo address |
| ``VOUCHER_FEC_MAPPING`` | path to a JSON file overriding account numbers and journal codes | built-in chart |
| ``VOUCHER_SIREN`` | SIREN in the FEC file name | the operator organisation's |
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from voucher.documents.sepa import Party
from voucher.domain import accounting, identity
from voucher.domain.errors import DomainError
from voucher.domain.finance import PAIN_VERSIONS

DEMO_DEBTOR = {
    "NAME": "Opérateur du registre (démo)",
    "IBAN": "FR7630004000010001234567830",
    "STREET": "place de la Mairie",
    "BUILDING": "1",
    "POSTCODE": "86000",
    "TOWN": "Poitiers",
    "COUNTRY": "FR",
}


def _env(name: str) -> str:
    return (os.environ.get(f"VOUCHER_DEBTOR_{name}") or DEMO_DEBTOR.get(name, "")).strip()


def pain_version() -> str:
    version = os.environ.get("VOUCHER_SEPA_VERSION", "pain.001.001.09").strip()
    if version not in PAIN_VERSIONS:
        raise DomainError("invalid_sepa_version")
    return version


def debtor() -> Party:
    try:
        iban = identity.iban(_env("IBAN"))
        bic = identity.bic(_env("BIC")) if _env("BIC") else identity.bic_from_iban(iban)
    except DomainError:
        raise DomainError("invalid_debtor") from None
    party = Party(
        name=_env("NAME"),
        iban=iban,
        bic=bic,
        street=_env("STREET"),
        building=_env("BUILDING"),
        postcode=_env("POSTCODE"),
        town=_env("TOWN"),
        country=_env("COUNTRY") or "FR",
    )
    if not all((party.name, party.street, party.postcode, party.town)):
        raise DomainError("invalid_debtor")
    return party


def fec_mapping() -> accounting.Mapping:
    path = os.environ.get("VOUCHER_FEC_MAPPING")
    if not path:
        return accounting.Mapping()
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise DomainError("invalid_fec_mapping", path=path) from None
    return accounting.mapping_from(data)


def siren_override() -> str | None:
    value = "".join(c for c in os.environ.get("VOUCHER_SIREN", "") if c.isdigit())
    return value[:9] or None
