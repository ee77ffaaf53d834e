"""The offline pack: what a place's device needs to tell, offline, whether a code exists
and was not yet used when the pack was made — without ever holding a code.

Each usable code (active or handed out, of the programmes the place accepts) becomes an
entry: the first :data:`HASH_BYTES` bytes of HMAC-SHA256 keyed with the instance's pack
salt. Entries are sorted and concatenated (fixed width: a device looks one up by binary
search). A code that is not in the pack is unknown or already used; a code that is in it
is usable, except for a false positive with probability about ``n / 2**32`` for ``n``
entries (measured by ``scripts/bench offline_pack``). The salt is stable per instance so
that refreshes (entries added and removed since a time) apply to a stored pack.

The pack is signed with HMAC-SHA256 keyed with the SHA-256 of the device's own API key
(the device computes it from its key; the server keeps only that hash): a pack altered on
the way, or made for another key, does not verify.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Iterable
from typing import Any

HASH_BYTES = 4


def entry(salt: bytes, code: str) -> bytes:
    return hmac.new(salt, code.encode(), hashlib.sha256).digest()[:HASH_BYTES]


def pack(entries: Iterable[bytes]) -> bytes:
    return b"".join(sorted(set(entries)))


def contains(packed: bytes, item: bytes, width: int = HASH_BYTES) -> bool:
    low, high = 0, len(packed) // width
    while low < high:
        mid = (low + high) // 2
        found = packed[mid * width : (mid + 1) * width]
        if found == item:
            return True
        if found < item:
            low = mid + 1
        else:
            high = mid
    return False


def apply(packed: bytes, added: bytes, removed: bytes, width: int = HASH_BYTES) -> bytes:
    """A stored pack refreshed with the entries added and removed since it was made."""

    def split(data: bytes) -> set[bytes]:
        return {data[i : i + width] for i in range(0, len(data), width)}

    return pack((split(packed) | split(added)) - split(removed))


def canonical(document: dict[str, Any]) -> bytes:
    body = {k: v for k, v in document.items() if k != "signature"}
    return json.dumps(body, sort_keys=True, separators=(",", ":")).encode()


def sign(key_hash_hex: str, document: dict[str, Any]) -> str:
    digest = hmac.new(bytes.fromhex(key_hash_hex), canonical(document), hashlib.sha256)
    return digest.hexdigest()


def verify(api_key_secret: str, document: dict[str, Any]) -> bool:
    """What a device does on receipt: its own key's SHA-256 is the signing key."""
    key_hash = hashlib.sha256(api_key_secret.encode()).hexdigest()
    return hmac.compare_digest(sign(key_hash, document), str(document.get("signature", "")))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text)
