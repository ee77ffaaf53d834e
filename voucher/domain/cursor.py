"""Opaque cursors for the lists a device or a partner polls.

A cursor names a position in a list ordered by id (``after``: the last id already sent)
and carries the filters of the first page (``since``, ``status``) and its ``as_of`` (the
time to pass as ``updated_since`` on the next sync), so every page of one walk answers
the same question. Ordered by id, rows inserted while a client pages land after the
cursor: nothing is skipped, nothing is sent twice. Rows changed behind the cursor are
found by the next walk with ``updated_since``.

The text is URL-safe base64 of a small JSON object; clients must not read it. A cursor
that does not decode is refused with ``invalid_cursor``. Tampering with one gains
nothing: every page is still filtered by what the key may see.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime

from voucher.domain.errors import DomainError, register

register(
    "invalid_cursor",
    "Curseur de pagination illisible : reprenez la liste depuis le début (sans « cursor »).",
)
MAX_LENGTH = 512


@dataclass(frozen=True)
class Cursor:
    after: int = 0
    since: datetime | None = None
    as_of: datetime | None = None
    status: str | None = None


def encode(cursor: Cursor) -> str:
    data = {
        "a": cursor.after,
        "s": cursor.since.isoformat() if cursor.since else None,
        "t": cursor.as_of.isoformat() if cursor.as_of else None,
        "f": cursor.status,
    }
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode(text: str) -> Cursor:
    if len(text) > MAX_LENGTH:
        raise DomainError("invalid_cursor")
    try:
        data = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        after = data["a"]
        if not isinstance(after, int) or isinstance(after, bool) or after < 0:
            raise ValueError(after)
        status = data.get("f")
        if status is not None and not isinstance(status, str):
            raise ValueError(status)
        return Cursor(after, _time(data.get("s")), _time(data.get("t")), status)
    except (ValueError, KeyError, TypeError, binascii.Error, UnicodeDecodeError) as err:
        raise DomainError("invalid_cursor") from err


def _time(value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise ValueError(value)
    found = datetime.fromisoformat(value)
    if found.tzinfo is None:
        raise ValueError(value)
    return found
