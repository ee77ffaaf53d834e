"""Accounting exports: the mapping from ledger accounts to the accountant's chart, and the
FEC (Fichier des Écritures Comptables) rules.

Rules kept here:

* the 18 FEC columns, in the order of article A47 A-1 of the Livre des procédures fiscales;
  fields never contain the separator, a tab or a line break;
* dates ``AAAAMMJJ`` (Europe/Paris calendar day), amounts with a decimal comma and no
  thousands separator, debit and credit as two columns (one of them ``0,00``);
* ``EcritureNum`` is continuous per journal and per (calendar) year: the services count the
  entries of the year before the exported period so that a partial export keeps the same
  numbers as a full one;
* account numbers, labels and journal codes are configuration (:class:`Mapping`): an
  accountant chooses e.g. 401 or 467 for structures, 512 for the bank; a ledger account kind
  missing from the mapping is refused before anything is written.
"""

from __future__ import annotations

from collections.abc import Mapping as AnyMapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from voucher.domain.errors import DomainError

FEC_COLUMNS = (
    "JournalCode",
    "JournalLib",
    "EcritureNum",
    "EcritureDate",
    "CompteNum",
    "CompteLib",
    "CompAuxNum",
    "CompAuxLib",
    "PieceRef",
    "PieceDate",
    "EcritureLib",
    "Debit",
    "Credit",
    "EcritureLet",
    "DateLet",
    "ValidDate",
    "Montantdevise",
    "Idevise",
)

DEFAULT_ACCOUNTS: dict[str, tuple[str, str]] = {
    "bank": ("512000", "Banque - fonds des dispositifs"),
    "funder_funds": ("467100", "Financeurs - fonds reçus non mis en circulation"),
    "outstanding": ("467200", "Chèques en circulation"),
    "suspense": ("471000", "Compte d'attente - passages en vérification"),
    "payable": ("401000", "Lieux - remboursements à payer"),
    "in_payment": ("467300", "Lieux - virements émis non confirmés"),
    "breakage": ("467400", "Chèques non utilisés à reverser aux financeurs"),
    "refund_payable": ("467500", "Financeurs - remboursements d'avoirs à payer"),
    "refund_in_payment": ("467600", "Financeurs - virements de remboursement émis non confirmés"),
    "issued": ("801000", "Engagements - carnets imprimés non financés"),
    "commitment": ("802000", "Engagements - contrepartie"),
}
#: third parties carried as auxiliary accounts: kind -> (prefix, position of the owner id)
AUXILIARY = {
    "payable": ("S", 1),
    "in_payment": ("S", 1),
    "funder_funds": ("F", 1),
    "refund_payable": ("F", 1),
    "refund_in_payment": ("F", 1),
}
BANK_JOURNAL = ("BQ", "Banque")
TRANSFERS_JOURNAL = ("VE", "Virements émis aux lieux")
REFUNDS_JOURNAL = ("VF", "Virements de remboursement émis aux financeurs")
#: entries touching the ``bank`` account go to the bank journal, and only those: the
#: in-payment moves (sent, rejected) never touch the bank and have a journal of their own
DEFAULT_JOURNALS: dict[str, tuple[str, str]] = {
    "funds": BANK_JOURNAL,
    "payment.settle": BANK_JOURNAL,
    "payment.return": BANK_JOURNAL,
    "credit_note.refund": BANK_JOURNAL,
    "refund.settle": BANK_JOURNAL,
    "refund.return": BANK_JOURNAL,
    "payment.send": TRANSFERS_JOURNAL,
    "payment.reject": TRANSFERS_JOURNAL,
    "refund.send": REFUNDS_JOURNAL,
    "refund.reject": REFUNDS_JOURNAL,
    "redemption": ("CH", "Chèques encaissés"),
    "hold": ("CH", "Chèques encaissés"),
    "credit_note": ("AV", "Avoirs aux financeurs"),
}
#: the opening balances (à-nouveaux) of a fiscal year
OPENING_JOURNAL = ("AN", "À-nouveaux")
DEFAULT_JOURNAL = ("OD", "Opérations diverses")
ENTRY_LABELS = {
    "funds.received": "Versement reçu d'un financeur",
    "batch.issue": "Lot émis (engagement)",
    "batch.activate": "Lot activé",
    "book.move": "Carnet transféré",
    "book.lost": "Carnet perdu",
    "book.stolen": "Carnet volé",
    "redemption.accepted": "Chèque encaissé",
    "redemption.held": "Chèque retenu pour vérification",
    "redemption.cancel": "Scan annulé",
    "hold.release": "Passage libéré",
    "hold.reject": "Passage rejeté",
    "programme.expire": "Fin de validité du dispositif",
    "payment.send": "Virement émis",
    "payment.settle": "Virement confirmé par la banque",
    "payment.reject": "Virement rejeté",
    "payment.return": "Virement retourné",
    "credit_note.issue": "Avoir au financeur",
    "credit_note.refund": "Remboursement au financeur",
    "credit_note.owed": "Remboursement dû au financeur",
    "refund.send": "Virement de remboursement émis",
    "refund.settle": "Remboursement confirmé par la banque",
    "refund.reject": "Virement de remboursement rejeté",
    "refund.return": "Virement de remboursement retourné",
}


@dataclass(frozen=True)
class Mapping:
    accounts: dict[str, tuple[str, str]] = field(default_factory=lambda: dict(DEFAULT_ACCOUNTS))
    journals: dict[str, tuple[str, str]] = field(default_factory=lambda: dict(DEFAULT_JOURNALS))
    default_journal: tuple[str, str] = DEFAULT_JOURNAL
    opening_journal: tuple[str, str] = OPENING_JOURNAL

    def __post_init__(self) -> None:
        """One label per journal code (an auditor's tool refuses a code with two labels)."""
        labels: dict[str, str] = {}
        pairs = [*self.journals.values(), self.default_journal, self.opening_journal]
        for code, label in pairs:
            if labels.setdefault(code, label) != label:
                raise DomainError("invalid_fec_mapping", journal=code)

    def account(self, code: str) -> tuple[str, str]:
        kind = code.split(":", 1)[0]
        if kind not in self.accounts:
            raise DomainError("invalid_fec_mapping", account=kind)
        return self.accounts[kind]

    def journal(self, kind: str) -> tuple[str, str]:
        """The most specific journal: ``credit_note.refund``, then ``credit_note``, then default."""
        if kind in self.journals:
            return self.journals[kind]
        return self.journals.get(kind.split(".", 1)[0], self.default_journal)


def _pair(value: Any, what: str) -> tuple[str, str]:
    if (
        not isinstance(value, list | tuple)
        or len(value) != 2
        or not all(isinstance(v, str) and v.strip() for v in value)
    ):
        raise DomainError("invalid_fec_mapping", entry=what)
    return clean(value[0]), clean(value[1])


def mapping_from(data: AnyMapping[str, Any]) -> Mapping:
    """Defaults overridden by ``{"accounts": {kind: [num, label]}, "journals": {kind: [code,
    label]}, "default_journal": [code, label]}``; anything else is refused."""
    allowed = {"accounts", "journals", "default_journal", "opening_journal"}
    if not isinstance(data, AnyMapping) or set(data) - allowed:
        raise DomainError("invalid_fec_mapping")
    accounts = dict(DEFAULT_ACCOUNTS)
    for kind, pair in dict(data.get("accounts") or {}).items():
        accounts[str(kind)] = _pair(pair, f"accounts.{kind}")
    given = {str(k): _pair(v, f"journals.{k}") for k, v in dict(data.get("journals") or {}).items()}
    default = (
        _pair(data["default_journal"], "default_journal") if "default_journal" in data else None
    )
    opening = (
        _pair(data["opening_journal"], "opening_journal") if "opening_journal" in data else None
    )
    # a label given for a code names that code everywhere (defaults included)
    named: dict[str, str] = {}
    for code, label in [*given.values(), *filter(None, [default, opening])]:
        if named.setdefault(code, label) != label:
            raise DomainError("invalid_fec_mapping", journal=code)
    # a kind given by its prefix (``payment``) replaces the defaults of its kinds too
    defaults = {
        k: v for k, v in DEFAULT_JOURNALS.items() if k.split(".", 1)[0] not in given or k in given
    }
    journals = {k: (c, named.get(c, lab)) for k, (c, lab) in {**defaults, **given}.items()}
    return Mapping(
        accounts,
        journals,
        _renamed(default or DEFAULT_JOURNAL, named),
        _renamed(opening or OPENING_JOURNAL, named),
    )


def _renamed(pair: tuple[str, str], named: dict[str, str]) -> tuple[str, str]:
    return pair[0], named.get(pair[0], pair[1])


def auxiliary(code: str) -> str | None:
    """``payable:12`` -> ``S000012``; ``funder_funds:3:7`` -> ``F000003``."""
    parts = code.split(":")
    found = AUXILIARY.get(parts[0])
    if not found or len(parts) <= found[1]:
        return None
    return f"{found[0]}{int(parts[found[1]]):06d}"


#: what the ids of a ledger account code name: organisations (structure, funder,
#: prescriber) or programmes, in the order of the code
OWNERS: dict[str, tuple[str, ...]] = {
    "funder_funds": ("org", "programme"),
    "issued": ("programme", "org"),
    "commitment": ("programme",),
    "outstanding": ("programme", "org"),
    "suspense": ("programme",),
    "payable": ("org",),
    "in_payment": ("org",),
    "breakage": ("programme",),
    "refund_payable": ("org",),
    "refund_in_payment": ("org",),
}


def owners(code: str) -> list[tuple[str, int]]:
    """``payable:12`` -> ``[("org", 12)]``; ``outstanding:3:7`` -> programme 3, org 7."""
    kind, *ids = code.split(":")
    return [
        (what, int(i)) for what, i in zip(OWNERS.get(kind, ()), ids, strict=False) if i.isdigit()
    ]


def clean(text: str | None) -> str:
    if not text:
        return ""
    return " ".join(text.replace("|", "/").split())


def fec_date(day: date | None) -> str:
    return day.strftime("%Y%m%d") if day else ""


def fec_amount(cents: int) -> str:
    if not isinstance(cents, int) or cents < 0:
        raise ValueError("FEC amounts are non-negative integer cents")
    euros, rest = divmod(cents, 100)
    return f"{euros},{rest:02d}"


def parse_fec_amount(text: str) -> int:
    whole, _, frac = text.partition(",")
    if not whole.isdigit() or len(frac) != 2 or not frac.isdigit():
        raise ValueError(text)
    return int(whole) * 100 + int(frac)


def file_name(siren: str, closing: date) -> str:
    """``<SIREN>FEC<AAAAMMJJ>`` (the date is the closing date of the period)."""
    digits = "".join(c for c in siren if c.isdigit())[:9]
    return f"{digits.rjust(9, '0')}FEC{fec_date(closing)}"
