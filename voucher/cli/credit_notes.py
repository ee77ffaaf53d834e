"""``voucher credit-notes alerts|create|list|pdf``: the end of a programme's validity, and
the credit notes that give its unused value back to the funders.

``create`` is a dry run unless ``--confirm`` is given; issuing twice gives nothing more
(the unused value is given back once). ``--as EMAIL`` acts as a finance user.
"""

from __future__ import annotations

from pathlib import Path

import click

from voucher.cli.common import (
    AS_FINANCE,
    CONFIRM,
    actor,
    console,
    dry_run_note,
    print_table,
    transaction,
)
from voucher.domain.finance import REFUND_FR
from voucher.domain.money import format_eur


@click.group("credit-notes", help="Fin de validité : alertes et avoirs aux financeurs.")
def credit_notes_group() -> None:
    pass


@credit_notes_group.command(
    "alerts", help="Dispositifs qui se terminent, à faire expirer, ou avec avoirs à émettre."
)
@click.option("--days", default=30, show_default=True)
@AS_FINANCE
def alerts(days: int, email: str | None) -> None:
    from voucher.services.finance import credit_notes
    from voucher.services.finance.scope import finance_scope

    with transaction(confirm=False) as s:
        scope = finance_scope(s, actor(s, email, "credit-notes", role="finance"))
        rows = credit_notes.alerts(s, scope, days=days)
    print_table(
        f"{len(rows)} alerte(s)",
        [
            "dispositif",
            "fin de validité",
            "fin du délai de grâce",
            "alerte",
            "chèques non utilisés",
            "montant",
        ],
        [
            [
                a.name,
                a.valid_until.isoformat(),
                a.grace_end.isoformat(),
                a.kind_fr,
                str(a.unused_vouchers),
                format_eur(a.unused_cents),
            ]
            for a in rows
        ],
    )


@credit_notes_group.command(
    "create", help="Émet les avoirs d'un dispositif expiré ; simulation sans --confirm."
)
@click.option("--programme", "programme_id", type=int, required=True)
@CONFIRM
@AS_FINANCE
def create(programme_id: int, confirm: bool, email: str | None) -> None:
    from voucher.services.finance import credit_notes

    with transaction(confirm) as s:
        issued = credit_notes.issue(
            s, actor(s, email, "credit-notes", role="finance"), programme_id
        )
        notes = [(n.number, n.amount_cents) for n in issued]
    if not notes:
        console.print("Rien à rendre : la valeur non utilisée a déjà été reversée.")
        return
    print_table("Avoirs", ["n°", "montant"], [[n, format_eur(c)] for n, c in notes])
    console.print(f"{len(notes)} avoir(s)." + dry_run_note(confirm))


@credit_notes_group.command("list", help="Liste les avoirs.")
@AS_FINANCE
def list_notes(email: str | None) -> None:
    from voucher.services.finance import credit_notes
    from voucher.services.finance.scope import finance_scope

    with transaction(confirm=False) as s:
        scope = finance_scope(s, actor(s, email, "credit-notes", role="finance"))
        rows = credit_notes.list_notes(s, scope)
    print_table(
        "Avoirs",
        ["n°", "dispositif", "financeur", "montant", "remboursement"],
        [
            [n.number, p, fname, format_eur(n.amount_cents), REFUND_FR[n.refund_status]]
            for n, p, fname in rows
        ],
    )


@credit_notes_group.command("pdf", help="Écrit l'avoir en Factur-X (PDF/A-3 avec son XML).")
@click.argument("number")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
@AS_FINANCE
def pdf(number: str, output: Path | None, email: str | None) -> None:
    from sqlalchemy import select

    from voucher.db.models import CreditNote
    from voucher.services.finance import credit_notes, funder_files
    from voucher.services.finance.scope import finance_scope

    with transaction(confirm=False) as s:
        found = s.scalar(select(CreditNote.id).where(CreditNote.number == number))
        scope = finance_scope(s, actor(s, email, "credit-notes", role="finance"))
        note = credit_notes.find(s, scope, int(found or 0))
        document = funder_files.credit_note_file(s, note)
    target = output or Path(f"avoir-{number}.pdf")
    target.write_bytes(document)
    console.print(f"Avoir {number} écrit dans {target}.")
