"""The ``voucher`` command: one main group and the list of its command groups.

Every command is listed here, by its module: nothing registers itself as a side effect of
an import. What the commands share (consoles, the one transaction, refusals, progress bar,
``--as``) is in :mod:`voucher.cli.common`. This package never imports Flask.
"""

from __future__ import annotations

import click

from voucher.cli import (
    accounting,
    apikeys,
    bank,
    close,
    communes,
    comparison,
    credit_notes,
    database,
    disputes,
    evaluation,
    holds,
    impact,
    invoices,
    issuance,
    ledger,
    mail,
    payments,
    places,
    printing,
    redemption,
    statements,
    users,
    webhooks,
    worker,
)


@click.group(help="Registre ouvert des pass numériques.")
def main() -> None:
    pass


COMMANDS: tuple[click.Command, ...] = (
    database.db,
    database.demo,
    database.serve,
    issuance.funds,
    issuance.issue,
    issuance.activate,
    issuance.expire,
    redemption.redeem,
    ledger.audit,
    users.user,
    apikeys.apikey,
    holds.holds,
    disputes.disputes,
    printing.print_group,
    impact.export_group,
    impact.release_group,
    evaluation.cost_group,
    comparison.comparison_group,
    close.close,
    close.close_month,
    statements.statements_group,
    payments.payrun,
    bank.camt_group,
    accounting.fec,
    accounting.trial_balance,
    credit_notes.credit_notes_group,
    invoices.invoices_group,
    communes.communes_group,
    webhooks.webhooks,
    places.places_group,
    mail.mail_group,
    worker.worker,
)

for command in COMMANDS:
    main.add_command(command)
