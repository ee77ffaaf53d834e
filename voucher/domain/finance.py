"""Month close, statements, payment runs and bank settlement: the pure rules.

Rules kept here (the services enforce them against the database, which repeats the
important ones as constraints):

* a period is a Europe/Paris calendar month written ``AAAA-MM``; only a month that is over
  can be closed;
* statement numbers are ``AAAA-NNNNNN``, one gap-free sequence per year (the year of the
  closed month); credit notes are ``AV-AAAA-NNNN`` on their own sequence;
* an EndToEndId is the statement number plus the attempt (``REL-2026-000012-1``): unique
  per transfer, at most 35 characters from the SEPA-safe alphabet, and it is what the bank
  echoes back in camt.053/054;
* a structure is paid only to validated bank details and a structured address; otherwise it
  is *blocked*, with a reason, and picked up by a later close;
* bank lines are matched in :mod:`voucher.domain.bank` (its names are repeated here).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from voucher.domain.bank import MATCH_FR as MATCH_FR
from voucher.domain.bank import RETURN_REASONS_FR as RETURN_REASONS_FR
from voucher.domain.bank import BankLine as BankLine
from voucher.domain.bank import Match as Match
from voucher.domain.bank import OpenTransfer as OpenTransfer
from voucher.domain.bank import match_lines as match_lines
from voucher.domain.bank import reason_fr as reason_fr
from voucher.domain.calendar import PARIS, month_bounds
from voucher.domain.errors import DomainError, register
from voucher.domain.money import split_by_shares

MONTHS_FR = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
PAIN_VERSIONS = ("pain.001.001.03", "pain.001.001.09")
STATEMENT_STATUSES = ("open", "in_payment", "paid", "rejected")
TRANSFER_STATUSES = ("sent", "paid", "rejected", "returned")
STATEMENT_STATUS_FR = {
    "open": "à payer",
    "in_payment": "virement envoyé",
    "paid": "payé",
    "rejected": "virement rejeté, à relancer",
}
TRANSFER_STATUS_FR = {
    "sent": "envoyé",
    "paid": "payé",
    "rejected": "rejeté",
    "returned": "retourné",
}
BLOCKED_FR = {
    "no_bank_details": "aucune coordonnée bancaire enregistrée",
    "bank_details_pending": "coordonnées bancaires en attente de validation",
    "bank_details_rejected": "coordonnées bancaires refusées",
    "bank_details_suspended": "coordonnées bancaires suspendues après un retour de la banque : "
    "enregistrez et faites valider de nouvelles coordonnées",
    "address_incomplete": "adresse incomplète (numéro, rue, code postal, ville, pays)",
}
WITHHELD_FR = {
    "second_approval_needed": "IBAN modifié récemment : deux personnes doivent approuver ce paiement",
    "bank_details_not_validated": "coordonnées bancaires non validées",
    "bank_details_suspended": "coordonnées bancaires suspendues après un retour de la banque : "
    "enregistrez et faites valider de nouvelles coordonnées",
    "address_incomplete": "adresse du financeur incomplète (rue, code postal, ville, pays) : "
    "les banques refusent un virement sans adresse structurée",
}
E2E_SAFE = re.compile(r"^[A-Za-z0-9/\-?:().,'+ ]{1,35}$")

register("invalid_period", "Mois invalide : utilisez la forme AAAA-MM (par exemple 2026-10).")
register("month_not_over", "Ce mois n'est pas terminé : seul un mois échu peut être clôturé.")
register(
    "close_conflict",
    "Des scans ont changé pendant la clôture : rien n'a été enregistré, relancez la clôture.",
)
register(
    "invalid_sepa_version",
    "Version de virement non prise en charge : pain.001.001.03 ou pain.001.001.09.",
)
register(
    "invalid_debtor",
    "Coordonnées bancaires de l'opérateur invalides (nom, IBAN, BIC, adresse) : "
    "vérifiez la configuration.",
)
register(
    "sepa_invalid",
    "Le fichier de virements ne respecte pas le schéma SEPA : rien n'a été enregistré.",
)
register("approval_not_needed", "Ce paiement n'attend pas de seconde approbation.")
register(
    "second_approval_same_person",
    "Vous avez déjà approuvé ce paiement : une autre personne doit donner la seconde approbation.",
)
register("statement_not_payable", "Ce relevé n'est pas en attente de paiement.")
register("transfer_already_settled", "Ce virement est déjà réglé : rien n'a été changé.")
register("bank_file_empty", "Le fichier bancaire est vide.")
register("bank_file_too_large", "Le fichier bancaire est trop volumineux (10 Mo au plus).")
register(
    "bank_file_unsafe",
    "Le fichier bancaire contient des déclarations interdites (DTD, entités) : "
    "refusé par sécurité, rien n'a été changé.",
)
register(
    "bank_file_malformed",
    "Le fichier bancaire n'est pas un XML lisible (encodage ou structure "
    "incorrects) : rien n'a été changé.",
)
register(
    "bank_file_not_camt",
    "Ce fichier n'est pas un relevé bancaire camt.053 ou camt.054 : rien n'a été changé.",
)
register(
    "bank_file_negative_amount",
    "Le fichier bancaire contient un montant négatif : en camt, un montant est toujours "
    "positif et son sens est donné par CdtDbtInd (DBIT ou CRDT) : rien n'a été changé.",
)
register(
    "bank_file_no_statement",
    "Ce fichier camt ne contient aucun relevé (Stmt) ni avis (Ntfctn) : rien n'a été changé.",
)
register(
    "bank_file_no_lines",
    "Ce relevé camt ne contient aucune écriture ni solde de clôture : il n'a pas été "
    "enregistré, rien n'a été changé.",
)
register(
    "bank_file_other_account",
    "Ce relevé bancaire concerne un autre compte que celui de l'opérateur : "
    "rien n'a été changé. Vérifiez le fichier téléchargé à la banque.",
)
register(
    "no_bank_balance",
    "Aucun relevé bancaire donnant un solde de clôture n'a été pris en compte : "
    "importez et validez un relevé camt.053.",
)
register(
    "bank_scope",
    "Le rapprochement bancaire couvre tout le compte de l'opérateur : "
    "il est réservé à la finance de l'opérateur.",
)
register(
    "bank_line_already_linked",
    "Cette ligne bancaire (ou ce versement) est déjà rattachée à un versement de financeur : "
    "rien n'a été changé.",
)
register(
    "bank_line_not_linkable",
    "Seule une entrée d'argent non rapprochée peut être rattachée aux fonds reçus d'un "
    "financeur : rien n'a été changé.",
)
register(
    "bank_line_amount_differs",
    "Le montant de la ligne bancaire diffère de celui du versement choisi : rien n'a été changé.",
)
register("import_already_applied", "Ce relevé bancaire a déjà été pris en compte.")
register(
    "programme_not_expired", "Le dispositif n'a pas encore expiré : lancez d'abord l'expiration."
)
register(
    "journal_scope",
    "Le journal couvre tous les dispositifs : son export est réservé à la finance de l'opérateur.",
)
register(
    "fec_two_years",
    "Un FEC couvre un seul exercice (une année civile) : choisissez des dates de la même année.",
)
register(
    "invalid_fec_mapping", "Table de correspondance comptable invalide (voir docs/finance.md)."
)


@dataclass(frozen=True, order=True)
class Period:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        m = re.fullmatch(r"\s*(\d{4})-(\d{1,2})\s*", text or "")
        if not m or not 1 <= int(m.group(2)) <= 12 or not 2000 <= int(m.group(1)) <= 2999:
            raise DomainError("invalid_period", value=text)
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def of(cls, moment: datetime) -> Period:
        local = moment.astimezone(PARIS)
        return cls(local.year, local.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def label(self) -> str:
        return f"{MONTHS_FR[self.month - 1]} {self.year}"

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) in UTC."""
        return month_bounds(self.year, self.month)

    def previous(self) -> Period:
        return Period(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def next(self) -> Period:
        return Period(self.year + (self.month == 12), self.month % 12 + 1)


def require_over(period: Period, now: datetime) -> None:
    if period.bounds()[1] > now:
        raise DomainError("month_not_over", period=str(period))


def statement_number(year: int, seq: int) -> str:
    return f"{year:04d}-{seq:06d}"


def credit_note_number(year: int, seq: int) -> str:
    return f"AV-{year:04d}-{seq:04d}"


def end_to_end_id(number: str, attempt: int) -> str:
    value = f"REL-{number}-{attempt}"
    if not E2E_SAFE.match(value):
        raise ValueError(value)
    return value


#: where a credit note's refund to its funder stands
REFUND_FR = {
    "owed": "dû au financeur",
    "in_payment": "virement envoyé",
    "paid": "payé",
}


def refund_end_to_end_id(credit_note_number: str, attempt: int) -> str:
    """A funder's refund: ``RBT-AV-2026-0001-1`` (the credit note number plus the attempt)."""
    value = f"RBT-{credit_note_number}-{attempt}"
    if not E2E_SAFE.match(value):
        raise ValueError(value)
    return value


def refund_remittance(credit_note_number: str, programme: str) -> str:
    return f"Remboursement avoir {credit_note_number} pass numeriques {programme}"[:140]


def remittance(number: str, period_label: str) -> str:
    return f"Releve {number} pass numeriques {period_label}"[:140]


def address_complete(
    street: str | None, postcode: str | None, town: str | None, country: str | None
) -> bool:
    """Enough for the structured postal address a SEPA transfer's party must carry (banks
    refuse unstructured or missing ones from November 2026): street, postcode, town, country."""
    return all((street, postcode, town, country))


def blocked_reason(bank_status: str | None, address_complete: bool) -> str | None:
    """Why a structure cannot be stated this time (``None``: it can)."""
    if bank_status is None:
        return "no_bank_details"
    if bank_status != "validated":
        return {
            "rejected": "bank_details_rejected",
            "suspended": "bank_details_suspended",
        }.get(bank_status, "bank_details_pending")
    if not address_complete:
        return "address_incomplete"
    return None


def funder_totals(
    per_programme: Sequence[tuple[int, int]], shares: dict[int, list[tuple[int, int]]]
) -> dict[int, int]:
    """Split each programme's total between its funders (basis points, largest remainder)
    and add up per funder: the parts always sum to the statement's total."""
    out: dict[int, int] = {}
    for programme_id, total in per_programme:
        parts = split_by_shares(total, [(str(f), bp) for f, bp in shares[programme_id]])
        for key, cents in parts.items():
            out[int(key)] = out.get(int(key), 0) + cents
    return out
