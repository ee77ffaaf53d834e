"""One error family with stable machine codes and French messages for people.

Every refusal in the product is a :class:`DomainError`. ``code`` never changes once
published (API clients and scanner apps rely on it); ``message`` is what a person reads.
The full list is documented in ``docs/error-codes.md``; a test keeps both in step.
"""

from __future__ import annotations

from typing import Any

MESSAGES: dict[str, str] = {
    # codes and vouchers
    "mistyped_code": "Code mal saisi : vérifiez les chiffres (un chiffre est faux ou inversé).",
    "unknown_code": "Ce code ne correspond à aucun chèque.",
    "not_active": "Ce chèque n'est pas encore activé : le financeur n'a pas encore versé les fonds.",
    "already_redeemed": "Ce chèque a déjà été encaissé.",
    "expired": "Ce chèque n'est plus valable : sa date de validité est dépassée.",
    "not_yet_valid": "Ce chèque n'est pas encore valable : le dispositif n'a pas commencé.",
    "cancelled": "Ce chèque a été annulé (carnet perdu, volé ou remplacé).",
    "held": "Ce chèque est en attente de vérification.",
    "structure_not_labelled": "Votre lieu n'a pas de label valide aujourd'hui : il ne peut pas encaisser de chèque.",
    "not_accepted_here": "Ce chèque n'est pas accepté dans ce lieu (dispositif ou zone différente).",
    "not_a_structure": "Cette organisation n'est pas un lieu qui encaisse des chèques.",
    "not_a_prescriber": "Cette organisation n'est pas un prescripteur.",
    # cancellation
    "cancel_window_passed": "Le délai pour annuler ce scan est dépassé : contactez l'équipe finance.",
    "not_your_scan": "Vous ne pouvez annuler que vos propres scans.",
    "already_cancelled": "Ce scan est déjà annulé.",
    "already_paid": "Ce scan est déjà remboursé : il ne peut plus être annulé.",
    # issuance and books
    "invalid_quantity": "Le nombre de carnets doit être compris entre 1 et 100 000.",
    "batch_already_active": "Ce lot est déjà activé.",
    "batch_issuing": "Ce lot est encore en cours d'émission : attendez la fin de sa tâche.",
    "insufficient_funds": "Les fonds reçus ne couvrent pas ce lot : enregistrez d'abord le versement du financeur.",
    "book_not_held": "Ce carnet n'est pas détenu par votre organisation.",
    "book_already_handed_out": "Ce carnet a déjà été remis à un bénéficiaire.",
    "book_not_handed_out": "Ce carnet n'a pas encore été remis.",
    "book_unusable": "Ce carnet ne peut plus être utilisé (perdu, volé ou expiré).",
    "already_acknowledged": "La réception de ce lot est déjà confirmée.",
    "programme_not_over": "Le dispositif n'est pas terminé : la période de validité et de grâce court encore.",
    "programme_closed": "Ce dispositif est clos.",
    # reference data
    "invalid_siret": "Numéro SIRET invalide.",
    "invalid_iban": "IBAN invalide.",
    "invalid_bic": "BIC invalide.",
    "invalid_insee_code": "Code commune INSEE invalide (5 caractères, par exemple 01001 ou 2A004).",
    "invalid_shares": "Les parts des financeurs doivent totaliser 100 %.",
    "invalid_dates": "Les dates sont incohérentes (la fin doit suivre le début).",
    "invalid_amount": "Le montant doit être un nombre entier de centimes strictement positif.",
    "invalid_value": "Valeur non reconnue.",
    "invalid_address": "Adresse incomplète : numéro, rue, code postal, ville et pays sont requis.",
    "not_found": "Élément introuvable.",
    "forbidden": "Vous n'avez pas le droit de faire cette action.",
    "own_label": "Une organisation ne peut pas se décerner un label : c'est la décision de l'opérateur ou d'un financeur.",
    "duplicate": "Cet élément existe déjà.",
    # ledger
    "unbalanced_entry": "Écriture déséquilibrée : la somme des lignes doit être nulle.",
    "ledger_invariant_broken": "Le journal comptable est incohérent.",
}


class DomainError(Exception):
    """A refusal with a stable ``code`` and a French ``message``; nothing was changed."""

    def __init__(self, code: str, message: str | None = None, **details: Any) -> None:
        if code not in MESSAGES and message is None:
            raise KeyError(f"unknown error code {code!r}")
        self.code = code
        self.message = message or MESSAGES[code]
        self.details = details
        super().__init__(f"{code}: {self.message}")

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, **self.details}


def register(code: str, message: str) -> None:
    """Let a later module (fraud rules, finance) add its own codes; codes are never redefined."""
    if code in MESSAGES and MESSAGES[code] != message:
        raise ValueError(f"error code {code!r} already registered with another message")
    MESSAGES[code] = message


MESSAGES.update(
    {
        "scan_id_reused": "Cet identifiant de scan a déjà servi pour un autre chèque.",
        "invalid_scan_time": "L'heure du scan est impossible (dans le futur ou trop ancienne).",
        "invalid_execution_date": "Date d'exécution illisible : utilisez la forme AAAA-MM-JJ "
        "(par exemple 2026-12-28) ; rien n'a été créé.",
        "execution_date_past": "La date d'exécution est passée : choisissez aujourd'hui ou un "
        "jour ultérieur ; rien n'a été créé.",
        "execution_date_closed": "La date d'exécution n'est pas un jour ouvré TARGET2 (week-end, "
        "1er janvier, Vendredi saint, lundi de Pâques, 1er mai, 25 ou 26 décembre) : "
        "choisissez un autre jour ; rien n'a été créé.",
    }
)
