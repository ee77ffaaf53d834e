"""Identifiers we validate but never invent: SIRET, IBAN/BIC, INSEE commune codes,
and the keyed-hash pseudonym of a beneficiary."""

from __future__ import annotations

import hashlib
import hmac
import re

from schwifty import BIC, IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.fr import siret as stdnum_siret

from voucher.domain.errors import DomainError

INSEE_RE = re.compile(r"^(\d{5}|2[AB]\d{3})$")
#: Paris, Lyon and Marseille arrondissements map to their commune before joins
ARRONDISSEMENTS = [(75101, 75120, "75056"), (69381, 69389, "69123"), (13201, 13216, "13055")]


def siret(value: str) -> str:
    try:
        return str(stdnum_siret.validate(value))
    except Exception as exc:  # stdnum raises several ValidationError subclasses
        raise DomainError("invalid_siret", value=value) from exc


def iban(value: str) -> str:
    try:
        return str(IBAN(value).compact)
    except (SchwiftyException, ValueError) as exc:
        raise DomainError("invalid_iban") from exc


def bic(value: str) -> str:
    try:
        return str(BIC(value).compact)
    except (SchwiftyException, ValueError) as exc:
        raise DomainError("invalid_bic") from exc


def bic_from_iban(value: str) -> str | None:
    try:
        found = IBAN(value).bic
    except (SchwiftyException, ValueError):
        return None
    return str(found.compact) if found else None


def insee_commune(value: str) -> str:
    code = (value or "").strip().upper()
    if not INSEE_RE.match(code):
        raise DomainError("invalid_insee_code", value=value)
    if code.isdigit():
        n = int(code)
        for low, high, commune in ARRONDISSEMENTS:
            if low <= n <= high:
                return commune
    return code


def pseudonym(key: bytes, prescriber_id: int, local_reference: str) -> str:
    """Keyed hash of a prescriber-local reference; the key lives outside the database."""
    message = f"{prescriber_id}:{local_reference.strip().casefold()}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()
