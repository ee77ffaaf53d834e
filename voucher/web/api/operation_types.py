"""What an operation of the API is, and the names shared by every entry of
:mod:`voucher.web.api.operations`: the capability tags (French and English) and the refusals
every scan can answer."""

from __future__ import annotations

from dataclasses import dataclass

#: tag -> (French, English) description; tags are capabilities, not modules
TAGS = {
    "access": ("Clés d'API et service", "API keys and service"),
    "scanning": ("Encaissements : vérifier, scanner, annuler, vérifications", "Scanning"),
    "issuing": ("Lots et carnets : émettre, activer, confier, remettre", "Issuing"),
    "programmes": ("Dispositifs", "Programmes"),
    "organisations": ("Lieux qui encaissent", "Places that accept vouchers"),
    "money": ("Relevés et contrôle du journal", "Statements and ledger checks"),
    "webhooks": ("Notifications (webhooks)", "Webhooks"),
}

SCAN_REFUSALS = (
    "mistyped_code",
    "unknown_code",
    "not_active",
    "already_redeemed",
    "expired",
    "not_yet_valid",
    "cancelled",
    "held",
    "structure_not_labelled",
    "not_accepted_here",
    "not_a_structure",
    "invalid_scan_time",
    "too_many_attempts",
    "locked",
)


@dataclass(frozen=True)
class Operation:
    key: str  # METHOD /path
    id: str
    tag: str
    fr: str
    en: str
    codes: tuple[str, ...] = ()
    #: takes an ``Idempotency-Key`` header (and answers ``Idempotent-Replayed`` on replay)
    idempotent: bool = False
    #: rate-limited per key: answers ``X-RateLimit-*`` headers
    limited: bool = False
