"""Money is integer euro cents, always.

Sign convention (written once, here): a posting's ``amount`` is **positive for a debit and
negative for a credit**. Assets (``bank``) therefore carry positive balances; what the
ledger owes (``funder_funds``, ``outstanding``, ``payable``...) carries negative balances.
Every entry's postings sum to zero.

Formatting for people (``format_eur``) lives here and nowhere else.
"""

from __future__ import annotations

DEBIT = 1
CREDIT = -1


def format_eur(cents: int) -> str:
    """French formatting: ``1234567`` -> ``12 345,67 €`` (narrow no-break space)."""
    if not isinstance(cents, int):
        raise TypeError("money is integer cents")
    sign = "-" if cents < 0 else ""
    euros, rest = divmod(abs(cents), 100)
    grouped = f"{euros:,}".replace(",", "\u202f")
    return f"{sign}{grouped},{rest:02d}\u00a0€"


def parse_eur(text: str) -> int:
    """Parse ``"10"``, ``"10,50"``, ``"10.5 €"`` into cents; raises ValueError on anything else."""
    cleaned = text.replace("€", "").replace("\u202f", "").replace("\u00a0", "").replace(" ", "")
    cleaned = cleaned.replace(",", ".")
    if not cleaned or cleaned.count(".") > 1:
        raise ValueError(text)
    whole, _, frac = cleaned.partition(".")
    if not whole.lstrip("-").isdigit() or (frac and (not frac.isdigit() or len(frac) > 2)):
        raise ValueError(text)
    sign = -1 if whole.startswith("-") else 1
    return sign * (abs(int(whole)) * 100 + int((frac or "0").ljust(2, "0")))


def split_by_shares(total: int, shares: list[tuple[str, int]]) -> dict[str, int]:
    """Split ``total`` cents between keys by shares in basis points (sum 10 000).

    Largest remainder, ties broken by key order, so the parts always sum to ``total``.
    """
    if sum(bp for _, bp in shares) != 10_000:
        raise ValueError("shares must sum to 10 000 basis points")
    exact = [(key, total * bp) for key, bp in shares]
    parts = {key: value // 10_000 for key, value in exact}
    leftover = total - sum(parts.values())
    order = sorted(exact, key=lambda kv: -(kv[1] % 10_000))
    for key, _ in order[:leftover]:
        parts[key] += 1
    return parts
