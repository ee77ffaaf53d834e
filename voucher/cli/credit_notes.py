"""``voucher credit-notes alerts|create|list|pdf``: expiry settlement from the command line
(``create`` is a dry run without ``--confirm``); and ``voucher statements check``, the
finance invariants (numbering, totals, transfers)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from sqlalchemy import select
from sqlalchemy.orm import Session

from voucher.cli.finance import AS, CONFIRM, _actor, _run, _said, _table, statements_group
from voucher.cli.main import console, err_console
from voucher.db.models import CreditNote
from voucher.documents.statement_pdf import credit_note_pdf
from voucher.domain.money import format_eur
from voucher.services.finance import credit_notes
from voucher.services.finance.numbering import finance_scope


@click.group("credit-notes", help="Fin de validité : alertes et avoirs aux financeurs.")
def credit_notes_group() -> None:
    pass


@credit_notes_group.command(
    "alerts", help="Dispositifs qui se terminent, à faire expirer, ou avec avoirs à émettre."
)
@click.option("--days", default=30, show_default=True)
@AS
def alerts(days: int, email: str | None) -> None:
    rows = _run(
        False,
        lambda s: credit_notes.alerts(
            s, finance_scope(s, _actor(s, email, "credit-notes")), days=days
        ),
    )
    _table(
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
@AS
def create(programme_id: int, confirm: bool, email: str | None) -> None:
    def job(s: Session) -> list[tuple[str, int]]:
        notes = credit_notes.issue(s, _actor(s, email, "credit-notes"), programme_id)
        return [(n.number, n.amount_cents) for n in notes]

    notes = _run(confirm, job)
    if not notes:
        console.print("Rien à rendre : la valeur non utilisée a déjà été reversée.")
        return
    _table("Avoirs", ["n°", "montant"], [[n, format_eur(c)] for n, c in notes])
    console.print(f"{len(notes)} avoir(s)." + _said(confirm))


@credit_notes_group.command("list", help="Liste les avoirs.")
@AS
def list_notes(email: str | None) -> None:
    rows = _run(
        False,
        lambda s: credit_notes.list_notes(s, finance_scope(s, _actor(s, email, "credit-notes"))),
    )
    _table(
        "Avoirs",
        ["n°", "dispositif", "financeur", "montant"],
        [[n.number, p, fname, format_eur(n.amount_cents)] for n, p, fname in rows],
    )


@credit_notes_group.command("pdf", help="Écrit le PDF d'un avoir.")
@click.argument("number")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
@AS
def pdf(number: str, output: Path | None, email: str | None) -> None:
    def job(s: Session) -> bytes:
        found = s.scalar(select(CreditNote.id).where(CreditNote.number == number))
        note = credit_notes.find(
            s, finance_scope(s, _actor(s, email, "credit-notes")), int(found or 0)
        )
        return credit_note_pdf(credit_notes.document(s, note))

    target = output or Path(f"avoir-{number}.pdf")
    target.write_bytes(_run(False, job))
    console.print(f"Avoir {number} écrit dans {target}.")


@statements_group.command(
    "check", help="Vérifie les relevés, virements et avoirs ; code de sortie non nul sinon."
)
def check() -> None:
    from voucher.services.finance import statements_check

    report = _run(False, statements_check.verify)
    if report.ok:
        console.print(
            "[bold green]Relevés cohérents[/] : numérotation, totaux et virements vérifiés."
        )
        return
    for p in report.problems:
        err_console.print(f"[bold red]{p.check}[/] {p.message}")
    sys.exit(2)
