"""``voucher close --month AAAA-MM`` (and ``voucher close-month AAAA-MM``): close a month.

A dry run unless ``--confirm`` is given: the whole close runs, then is rolled back, so the
dry run shows exactly the statements it would number. Statements are numbered without gaps;
structures that cannot be paid yet are listed as blocked and taken up by a later close.
``--as EMAIL`` closes as a finance user (their scope, their name in the audit).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from voucher.cli.common import (
    AS_FINANCE,
    CONFIRM,
    actor,
    console,
    dry_run_note,
    print_table,
    progress_bar,
    refuse,
    transaction,
)
from voucher.domain import finance
from voucher.domain.errors import DomainError
from voucher.domain.money import format_eur

if TYPE_CHECKING:
    from voucher.services.finance.close import CloseResult


def _close(month: str, confirm: bool, email: str | None) -> None:
    from voucher.services.finance import close as month_close

    try:
        period = finance.Period.parse(month)
    except DomainError as exc:
        refuse(exc)
    with progress_bar() as bar:
        task = bar.add_task(f"Clôture de {period.label}", total=len(month_close.STEPS))
        with transaction(confirm) as s:
            result = month_close.close_month(
                s,
                actor(s, email, "close", role="finance"),
                period,
                progress=lambda step: bar.update(task, advance=1, description=step),
            )
        bar.update(task, completed=len(month_close.STEPS))
    _print_result(period, result)
    console.print(f"Empreinte du journal : {result.journal_hash}" + dry_run_note(confirm))


def _print_result(period: finance.Period, result: CloseResult) -> None:
    print_table(
        f"Relevés de {period.label} : {len(result.created)} nouveau(x), {len(result.statements)} au total",
        ["n°", "lieu", "chèques", "montant", "état"],
        [
            [
                s.number,
                s.structure_name,
                str(s.line_count),
                format_eur(s.total_cents),
                finance.STATEMENT_STATUS_FR[s.status],
            ]
            for s in result.statements
        ],
    )
    if result.blocked:
        print_table(
            "Lieux bloqués (repris à une prochaine clôture)",
            ["lieu", "motif", "chèques", "montant"],
            [
                [b.name, b.reason_fr, str(b.count), format_eur(b.total_cents)]
                for b in result.blocked
            ],
        )


@click.command(
    "close", help="Clôture un mois (relevés numérotés sans trou) ; simulation sans --confirm."
)
@click.option("--month", required=True, help="Mois à clôturer, AAAA-MM (heure de Paris).")
@CONFIRM
@AS_FINANCE
def close(month: str, confirm: bool, email: str | None) -> None:
    _close(month, confirm, email)


@click.command(
    "close-month", help="Comme « close --month » : voucher close-month 2026-10 [--confirm]."
)
@click.argument("month")
@CONFIRM
@AS_FINANCE
def close_month(month: str, confirm: bool, email: str | None) -> None:
    _close(month, confirm, email)
