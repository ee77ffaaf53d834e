"""``voucher audit``: the whole-ledger check, the third layer of the invariants (after the
domain's checks and the database constraints).

It recomputes every entry, balance and seal; any violation is named on standard error and
the exit code is 2 (1 stays for refusals). ``--seal`` first seals the unsealed entries, in a
transaction of its own.
"""

from __future__ import annotations

import sys

import click

from voucher.cli.common import console, err_console, transaction


@click.command(help="Vérifie tout le journal ; code de sortie non nul si une règle est violée.")
@click.option("--seal", is_flag=True, help="Scelle d'abord les écritures non scellées.")
def audit(seal: bool) -> None:
    from voucher.services.finance import ledger_audit

    if seal:
        with transaction() as session:
            block = ledger_audit.seal(session)
        if block:
            console.print(
                f"Bloc scellé : écritures {block.first_entry_id} à {block.last_entry_id}."
            )
    with transaction(confirm=False) as session:
        report = ledger_audit.verify(session)
    console.print(
        f"{report.entries} écritures, {report.postings} lignes, {report.accounts} comptes, "
        f"{report.sealed_entries} écritures scellées."
    )
    if report.ok:
        console.print("[bold green]Journal cohérent[/] : toutes les vérifications passent.")
        return
    for p in report.problems:
        err_console.print(f"[bold red]{p.check}[/] {p.message}")
    sys.exit(2)
