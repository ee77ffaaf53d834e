"""Idempotency keys: a client names each write (the scanner's scan id), so that sending it
again can never have a second effect.

Rules kept here (pure; storage and transactions live in the services and the web layer):

* a key is 1 to 100 visible ASCII characters (``!`` to ``~``), the same limit as a scan id;
* a request's *fingerprint* is the SHA-256 of its canonical JSON (keys sorted, no spaces,
  UTF-8): the same content sent with other spacing or key order has the same fingerprint;
* a key already stored with the same fingerprint replays the first answer; with another
  fingerprint it is refused (``idempotency_key_reused``) and nothing changes.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from voucher.domain.errors import register

KEY_MAX = 100
KEY_PATTERN = r"^[\x21-\x7e]{1,100}$"

register(
    "idempotency_key_reused",
    "Cette clé d'idempotence a déjà servi pour une autre requête : choisissez-en une nouvelle.",
)
register("busy", "Conflit momentané avec un autre envoi : renvoyez la même requête.")


def canonical(payload: Any) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def fingerprint(payload: Any) -> str:
    """Hex SHA-256 of the canonical JSON of ``payload`` (a dict, list, str, number or None)."""
    return hashlib.sha256(canonical(payload)).hexdigest()
