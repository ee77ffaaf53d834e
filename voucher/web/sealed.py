"""A value the browser carries across one redirect without being able to read it.

Flask's session is signed, not encrypted: anything put in it can be read by whoever holds
the cookie (a shared computer's cookie store, a proxy's logs). A new API key's secret
must reach the page the creation redirects to (POST-redirect-GET), so it travels sealed
with Fernet (AES-128-CBC + HMAC-SHA256, from the ``cryptography`` library) under a key
derived from the application's ``SECRET_KEY``, and it expires after a few minutes.
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken
from flask import current_app

MAX_AGE_S = 300


def _fernet() -> Fernet:
    secret = current_app.secret_key
    raw = secret if isinstance(secret, bytes) else str(secret).encode()
    key = hashlib.sha256(b"voucher.sealed\x00" + raw).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(text: str) -> str:
    return _fernet().encrypt(text.encode()).decode("ascii")


def unseal(token: object, max_age_s: int = MAX_AGE_S) -> str | None:
    """The sealed text, or None when the token is missing, forged, or too old."""
    if not isinstance(token, str):
        return None
    try:
        return _fernet().decrypt(token.encode("ascii"), ttl=max_age_s).decode()
    except (InvalidToken, ValueError):
        return None
