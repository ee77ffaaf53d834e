"""Text that came from a client: what is refused, and how it is sized before it is stored.

Rules kept:

* refused (:func:`defect`): lone surrogates (``"\\ud800"`` is valid JSON but not text),
  NUL, the C0 control characters other than tab, line feed and carriage return, DEL and
  the C1 control characters; PostgreSQL cannot store a NUL and no person types the others;
* a column that stores client text keeps at most its size (:func:`fit`): the text is
  cleaned of those characters and cut, never refused by the database;
* a stored client address is an IP address (:func:`address`): an IPv6 zone id is dropped
  (``fe80::1%eth0`` → ``fe80::1``), anything else that is not an address is not stored.
"""

from __future__ import annotations

import ipaddress
import re

#: characters no client text may hold
BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
#: the longest address text (an IPv4-mapped IPv6 address written in full)
ADDRESS_SIZE = 45


def defect(text: str) -> bool:
    """Whether ``text`` holds a character no client text may hold."""
    return BAD.search(text) is not None


def fit(text: str | None, size: int) -> str | None:
    """``text`` without the refused characters, cut to ``size`` characters; None stays None
    and an empty result is None."""
    if text is None:
        return None
    return BAD.sub("", text)[:size] or None


def address(text: str | None) -> str | None:
    """The IP address written in ``text`` (its zone id dropped), or None."""
    if not text:
        return None
    raw = text.strip().split("%", 1)[0]
    if len(raw) > ADDRESS_SIZE:
        return None
    try:
        return str(ipaddress.ip_address(raw))
    except ValueError:
        return None
