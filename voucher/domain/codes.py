"""Voucher codes: 23 random digits and one Damm check digit, printed in 6 groups of 4.

* 23 digits from ``secrets`` carry log2(10**23) ≈ 76 bits: guessing one valid code among
  millions in circulation is hopeless (TRUST.md asks for ≥ 64 bits).
* The Damm check digit (python-stdnum) catches every single-digit error and every swap of
  two adjacent digits, whatever the surrounding digits (tests/domain/test_codes.py proves it
  exhaustively over every interim state, digit pair and position).
* Typing is forgiving: case, spaces, dashes, dots, look-alike letters (O->0, I/L->1) and
  the AZERTY-shifted digits ``&é"'(-è_çà`` typed by a USB scanner left on a US layout are
  normalised before the check. ``-`` is a separator unless the input also holds another
  AZERTY-shifted character, in which case it is the shifted ``6``.
* A mistyped code raises ``mistyped_code`` here, before any database look-up.
* Issuance draws codes in bulk (:func:`generate_many`): one ``secrets.token_bytes`` call
  per chunk of vouchers, each digit from one byte kept below 250 (so uniform), and the
  check digit looked up in python-stdnum's own Damm table for the whole chunk at once
  (tests/domain/test_codes.py compares it with ``damm`` code by code).
"""

from __future__ import annotations

import secrets

import numpy as np
from stdnum import damm

from voucher.domain.errors import DomainError

RANDOM_DIGITS = 23
CODE_LENGTH = RANDOM_DIGITS + 1
GROUP = 4

AZERTY_DIGITS = {
    "&": "1",
    "é": "2",
    '"': "3",
    "'": "4",
    "(": "5",
    "-": "6",
    "è": "7",
    "_": "8",
    "ç": "9",
    "à": "0",
}
LOOKALIKES = {"O": "0", "I": "1", "L": "1"}
SEPARATORS = " \t\u00a0\u202f.-/"


def generate() -> str:
    """A fresh code (digits only, no separators)."""
    body = f"{secrets.randbelow(10**RANDOM_DIGITS):0{RANDOM_DIGITS}d}"
    return body + damm.calc_check_digit(body)


def generate_many(n: int) -> list[str]:
    """``n`` fresh codes drawn as :func:`generate` draws them, for issuance in bulk: every
    digit uniform and independent (a random byte kept below 250, taken modulo 10), the
    check digit found by looking python-stdnum's own Damm table up for all codes at once."""
    if n <= 0:
        return []
    step = np.array(damm._operation_table, dtype=np.uint8).ravel()  # [state * 10 + digit]
    need = n * RANDOM_DIGITS
    kept = np.empty(0, dtype=np.uint8)
    while kept.size < need:
        raw = np.frombuffer(secrets.token_bytes(need - kept.size + need // 32 + 64), np.uint8)
        kept = np.concatenate((kept, raw[raw < 250] % 10))
    digits = kept[:need].reshape(n, RANDOM_DIGITS)
    state = np.zeros(n, dtype=np.uint8)
    for column in np.ascontiguousarray(digits.T):  # each position of every code at once
        state = step[state * 10 + column]
    text = np.empty((n, CODE_LENGTH), dtype=np.uint8)
    text[:, :RANDOM_DIGITS] = digits + 48
    text[:, RANDOM_DIGITS] = state + 48
    flat = text.tobytes().decode("ascii")
    return [flat[i : i + CODE_LENGTH] for i in range(0, n * CODE_LENGTH, CODE_LENGTH)]


def normalise(raw: str) -> str:
    """Map what a person or a scanner typed to bare digits, without checking them."""
    text = raw.strip()
    if text.isascii() and text.isdigit():  # what a scanner sends: nothing to map
        return text
    azerty = any(ch in AZERTY_DIGITS and ch != "-" for ch in text)
    out = []
    for ch in text:
        if azerty and ch in AZERTY_DIGITS:
            out.append(AZERTY_DIGITS[ch])
        elif ch in SEPARATORS:
            continue
        else:
            up = ch.upper()
            out.append(LOOKALIKES.get(up, up))
    return "".join(out)


#: python-stdnum's Damm table with the digits as characters: ``_DAMM[state][digit]``
_DAMM = [{str(d): nxt for d, nxt in enumerate(row)} for row in damm._operation_table]


def is_valid(digits: str) -> bool:
    """The right length of ASCII digits, and Damm's check is 0 (python-stdnum's own table,
    looked up by character: every scan checks its code, and ``damm.checksum`` parses each
    digit with ``int``, which cost most of that check)."""
    if len(digits) != CODE_LENGTH or not digits.isascii() or not digits.isdigit():
        return False
    state = 0
    for digit in digits:
        state = _DAMM[state][digit]
    return state == 0


def parse(raw: str) -> str:
    """Normalise and check; return bare digits or raise ``mistyped_code``."""
    digits = normalise(raw or "")
    if not is_valid(digits):
        raise DomainError("mistyped_code", length_problem(digits))
    return digits


def length_problem(digits: str) -> str | None:
    """A code of digits only but of the wrong length is told what is missing or extra,
    not "a digit is wrong" (same words in static/js/codes.js)."""
    if not digits.isascii() or not digits.isdigit() or len(digits) == CODE_LENGTH:
        return None
    gap = CODE_LENGTH - len(digits)
    plural = "s" if abs(gap) > 1 else ""
    if gap > 0:
        return f"Code incomplet : il manque {gap} chiffre{plural} ({CODE_LENGTH} attendus)."
    return f"Code trop long : {-gap} chiffre{plural} en trop ({CODE_LENGTH} attendus)."


def format_code(digits: str) -> str:
    """``"1234 5678 9012 3456 7890 1234"`` for print and screens."""
    return " ".join(digits[i : i + GROUP] for i in range(0, len(digits), GROUP))


def specimen(index: int) -> str:
    """A code for proofs: right length, deliberately wrong check digit, never valid."""
    body = f"{index:0{RANDOM_DIGITS}d}"
    good = damm.calc_check_digit(body)
    return body + str((int(good) + 1) % 10)
