"""Double-entry journal maths: account names, balanced entries, hashes, invariants.

Rules kept here (and again by database constraints and by ``voucher audit``):

1. every entry has at least two postings, no posting is zero, and they sum to zero;
2. an account's stored balance equals the sum of its postings;
3. ``outstanding`` for a programme equals minus face value x vouchers active or
   distributed; ``issued`` equals face value x vouchers issued and not yet funded;
   ``suspense`` equals minus face value x vouchers held;
4. entries are hashed over their content and sealed in chained blocks, so a row changed
   behind the application's back no longer matches its hash.

Signs follow :mod:`voucher.domain.money` (debit positive).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from json.encoder import c_make_encoder, encode_basestring_ascii  # type: ignore[attr-defined]

from voucher.domain.errors import DomainError

GENESIS = "0" * 64


def bank() -> str:
    return "bank"


def funder_funds(funder_id: int, programme_id: int) -> str:
    return f"funder_funds:{funder_id}:{programme_id}"


def issued(programme_id: int, prescriber_id: int) -> str:
    """Memorandum account: face value printed and committed, not yet funded."""
    return f"issued:{programme_id}:{prescriber_id}"


def commitment(programme_id: int) -> str:
    """Memorandum counterpart of ``issued`` (the funders' commitment)."""
    return f"commitment:{programme_id}"


def outstanding(programme_id: int, prescriber_id: int) -> str:
    return f"outstanding:{programme_id}:{prescriber_id}"


def suspense(programme_id: int) -> str:
    return f"suspense:{programme_id}"


def payable(structure_id: int) -> str:
    return f"payable:{structure_id}"


def in_payment(structure_id: int) -> str:
    return f"in_payment:{structure_id}"


def refund_payable(funder_id: int) -> str:
    """Owed to a funder: credit notes' refunds not yet in a payment run (a liability)."""
    return f"refund_payable:{funder_id}"


def refund_in_payment(funder_id: int) -> str:
    """A funder's refund in a payment run, not yet confirmed by the bank."""
    return f"refund_in_payment:{funder_id}"


def breakage(programme_id: int) -> str:
    return f"breakage:{programme_id}"


def kind_of(account: str) -> str:
    return account.split(":", 1)[0]


@dataclass(frozen=True)
class Posting:
    account: str
    amount: int


def balanced(postings: Sequence[Posting]) -> list[Posting]:
    """Return the postings merged per account, or raise ``unbalanced_entry``."""
    merged: dict[str, int] = {}
    for p in postings:
        if not isinstance(p.amount, int):
            raise DomainError("unbalanced_entry", detail="amounts are integer cents")
        merged[p.account] = merged.get(p.account, 0) + p.amount
    result = [Posting(a, v) for a, v in sorted(merged.items()) if v != 0]
    if len(result) < 2 or sum(p.amount for p in result) != 0:
        raise DomainError("unbalanced_entry")
    return result


def move(amount: int, source: str, target: str) -> list[Posting]:
    """``amount`` moves from ``source`` to ``target`` as DOMAIN.md's table reads
    ("redemption accepted: outstanding -> payable"): the source is debited, the target
    credited. Funds received read "bank <- funder_funds": ``move(x, bank(), funder_funds)``."""
    return [Posting(source, amount), Posting(target, -amount)]


#: ``json.dumps(..., separators=(",", ":"), ensure_ascii=True)``, its encoder built once
_CANONICAL = json.JSONEncoder(separators=(",", ":"), ensure_ascii=True)
#: its C encoder, built once (``encode`` builds one per call), without the check for
#: circular references (an entry's content is strings and numbers)
_ENCODE = c_make_encoder(
    None, _CANONICAL.default, encode_basestring_ascii, None, ":", ",", False, False, True
)


def entry_hash(ref: str, kind: str, at: str, postings: Iterable[tuple[str, int]]) -> str:
    """SHA-256 of an entry's canonical content (order of postings does not matter)."""
    body = "".join(_ENCODE([ref, kind, at, sorted(postings)], 0))
    return hashlib.sha256(body.encode()).hexdigest()


def seal_hash(previous: str, entry_hashes: Iterable[str]) -> str:
    """Chain a block of entry hashes (in entry id order) to the previous seal."""
    h = hashlib.sha256(previous.encode())
    for eh in entry_hashes:
        h.update(eh.encode())
    return h.hexdigest()
