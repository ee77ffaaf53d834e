"""``voucher funds``, ``issue``, ``activate``, ``expire``: money in, carnets out, and the end
of a programme.

A batch is issued whole or not at all (one transaction, a progress bar on standard error);
``expire`` is a dry run unless ``--confirm`` is given.
"""

from __future__ import annotations

from datetime import date

import click

from voucher.cli.common import console, progress_bar, refuse, transaction
from voucher.domain.errors import DomainError
from voucher.domain.money import format_eur, parse_eur
from voucher.services.context import cli_actor


@click.command(help="Enregistre un versement d'un financeur (montant en euros, ex. 1500,00).")
@click.option("--programme", "programme_id", type=int, required=True)
@click.option("--funder", "funder_id", type=int, required=True)
@click.option("--amount", required=True)
@click.option("--reference", default=None)
@click.option("--invoice", "invoice_number", default=None, help="n° de la facture payée (FA-…)")
def funds(
    programme_id: int,
    funder_id: int,
    amount: str,
    reference: str | None,
    invoice_number: str | None,
) -> None:
    from voucher.services.issuance import funds as funds_service

    try:
        cents = parse_eur(amount)
    except ValueError:
        refuse(DomainError("invalid_amount", "montant illisible."))
    with transaction() as session:
        funds_service.record_funds_received(
            session,
            cli_actor("funds"),
            programme_id=programme_id,
            funder_id=funder_id,
            amount_cents=cents,
            received_on=date.today(),
            reference=reference,
            invoice_number=invoice_number,
        )
    console.print(
        f"Versement de {format_eur(cents)} enregistré"
        + (f" contre la facture {invoice_number}." if invoice_number else ".")
    )


@click.command(help="Émet un lot de carnets pour un prescripteur.")
@click.option("--programme", "programme_id", type=int, required=True)
@click.option("--prescriber", "prescriber_id", type=int, required=True)
@click.option("--books", type=int, required=True)
def issue(programme_id: int, prescriber_id: int, books: int) -> None:
    from voucher.services.issuance import batches

    with progress_bar() as bar, transaction() as session:
        task = bar.add_task("Émission des carnets", total=books)
        batch = batches.issue_batch(
            session,
            cli_actor("issue"),
            programme_id=programme_id,
            prescriber_id=prescriber_id,
            books=books,
            progress=lambda n: bar.update(task, completed=n),
        )
    console.print(
        f"Lot {batch.id} émis : {books} carnets, numéros {batch.first_serial} "
        f"à {batch.first_serial + books - 1}."
    )


@click.command(help="Active un lot dont les fonds sont reçus.")
@click.option("--batch", "batch_id", type=int, required=True)
def activate(batch_id: int) -> None:
    from voucher.services.issuance import batches

    with transaction() as session:
        batches.activate_batch(session, cli_actor("activate"), batch_id)
    console.print(f"Lot {batch_id} activé.")


@click.command(help="Fait expirer un dispositif terminé (simulation sans --confirm).")
@click.option("--programme", "programme_id", type=int, required=True)
@click.option("--confirm", is_flag=True, help="Enregistre réellement l'expiration.")
def expire(programme_id: int, confirm: bool) -> None:
    from voucher.services.issuance import expiry

    with transaction(confirm) as session:
        report = expiry.expire_programme(session, cli_actor("expire"), programme_id)
    verb = "ont expiré" if confirm else "expireraient (simulation : relancez avec --confirm)"
    console.print(
        f"{report.vouchers} chèques {verb} ; valeur non utilisée {format_eur(report.breakage_cents)}."
    )
