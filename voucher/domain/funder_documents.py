"""Funders' own documents: numbers, payment state and the VAT mention (docs/finance.md,
"Documents des financeurs"). Pure rules; the services number and store them."""

from __future__ import annotations

from voucher.domain.errors import register

#: document kind -> (number prefix, sequence name in ``document_sequence``, French name)
KINDS = {
    "quote": ("DV", "funder_quote", "devis"),
    "invoice": ("FA", "funder_invoice", "facture"),
}

#: the VAT position of what a funder pays and gets back (justified in docs/finance.md)
VAT_MENTION = (
    "TVA : opération hors du champ de la TVA. Les montants de ce document sont la valeur faciale de "
    "chèques remis gratuitement aux bénéficiaires et utilisables dans des lieux aux régimes "
    "différents (bons à usages multiples, CGI art. 256 ter ; directive 2006/112/CE art. 30 ter) : "
    "l'opérateur les reçoit et les reverse au nom et pour le compte du financeur ; la TVA "
    "éventuelle sur les séances relève de chaque lieu."
)
VAT_REASON = "Opération hors du champ de la TVA (bons à usages multiples, CGI art. 256 ter)"

register(
    "batch_not_invoiceable",
    "Ce lot est annulé : il n'y a rien à chiffrer ni à facturer.",
)
register(
    "invoice_mismatch",
    "Ce versement ne correspond pas à la facture (autre dispositif ou autre financeur) : "
    "rien n'a été enregistré.",
)
register(
    "invoice_overpaid",
    "Ce versement dépasse le reste à payer de la facture : rien n'a été enregistré. "
    "Enregistrez l'excédent sans facture.",
)
register(
    "invalid_statement_period",
    "Période illisible : dates AAAA-MM-JJ, la fin le jour du début ou après.",
)


def number(kind: str, year: int, seq: int) -> str:
    return f"{KINDS[kind][0]}-{year:04d}-{seq:04d}"


def payment_state(amount_cents: int, paid_cents: int) -> str:
    """« payée », « partiellement payée » or « à payer » for an invoice."""
    if paid_cents >= amount_cents:
        return "payée"
    return "partiellement payée" if paid_cents > 0 else "à payer"
