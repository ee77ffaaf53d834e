"""``voucher statements list|pdf|check``: the reimbursement statements of the structures.

``list`` and ``pdf`` show what the person named by ``--as`` may see (everything for the
operator); ``check`` verifies the finance invariants (gapless numbering, totals, transfers,
credit notes) and exits 2 when one is broken. Nothing here writes.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from voucher.cli.common import (
    AS_FINANCE,
    actor,
    console,
    err_console,
    print_table,
    transaction,
)
from voucher.domain import finance
from voucher.domain.money import format_eur


@click.group("statements", help="Relevés de remboursement.")
def statements_group() -> None:
    pass


@statements_group.command("list", help="Liste les relevés.")
@click.option("--month", default=None, help="AAAA-MM")
@click.option("--status", default=None, type=click.Choice(list(finance.STATEMENT_STATUSES)))
@AS_FINANCE
def statements_list(month: str | None, status: str | None, email: str | None) -> None:
    from voucher.services.finance import statements
    from voucher.services.finance.scope import finance_scope

    with transaction(confirm=False) as s:
        scope = finance_scope(s, actor(s, email, "statements", role="finance"))
        rows = statements.list_statements(s, scope, period=month, status=status)
    print_table(
        f"{len(rows)} relevé(s)",
        ["n°", "mois", "lieu", "chèques", "montant", "état", "motif du rejet"],
        [
            [
                r.number,
                r.period,
                r.structure_name,
                str(r.line_count),
                format_eur(r.total_cents),
                r.status_fr,
                r.reason_fr,
            ]
            for r in rows
        ],
    )


@statements_group.command("pdf", help="Écrit le PDF d'un relevé.")
@click.argument("number")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
@AS_FINANCE
def statements_pdf(number: str, output: Path | None, email: str | None) -> None:
    from sqlalchemy import select

    from voucher.db.models import Statement
    from voucher.documents.statement_pdf import statement_pdf
    from voucher.services.finance import statements
    from voucher.services.finance.scope import finance_scope

    with transaction(confirm=False) as s:
        found = s.scalar(select(Statement.id).where(Statement.number == number))
        scope = finance_scope(s, actor(s, email, "statements", role="finance"))
        pdf = statement_pdf(statements.document(s, statements.find(s, scope, int(found or 0))))
    target = output or Path(f"releve-{number}.pdf")
    target.write_bytes(pdf)
    console.print(f"Relevé {number} écrit dans {target}.")


@statements_group.command(
    "check", help="Vérifie les relevés, virements et avoirs ; code de sortie non nul sinon."
)
def check() -> None:
    from voucher.services.finance import statements_check

    with transaction(confirm=False) as s:
        report = statements_check.verify(s)
    if report.ok:
        console.print(
            "[bold green]Relevés cohérents[/] : numérotation, totaux et virements vérifiés."
        )
        return
    for p in report.problems:
        err_console.print(f"[bold red]{p.check}[/] {p.message}")
    sys.exit(2)
