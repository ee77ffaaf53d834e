"""``voucher places sirene|reminders``: load the SIRENE establishments extract places
qualify from; list the labels due for a renewal reminder."""

from __future__ import annotations

from datetime import date

import click

from voucher.cli.common import console, print_table, transaction
from voucher.db.queries import places as q
from voucher.domain.calendar import paris_date, utcnow
from voucher.domain.places import REMINDER_DAYS
from voucher.services.context import cli_actor
from voucher.services.organisations import sirene


@click.group("places", help="Lieux qui s'inscrivent : répertoire SIRENE, rappels de label.")
def places_group() -> None:
    pass


@places_group.command(
    "sirene", help="Charge un extrait SIRENE des établissements (StockEtablissement, CSV)."
)
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def load_sirene(path: str) -> None:
    with transaction() as session, open(path, encoding="utf-8-sig", newline="") as lines:
        loaded, skipped = sirene.load(session, cli_actor("places sirene"), lines)
    console.print(f"{loaded} établissements chargés, {skipped} lignes ignorées (SIRET invalide).")


@places_group.command("reminders", help="Liste les labels qui arrivent à échéance.")
@click.option("--days", default=REMINDER_DAYS, show_default=True, type=click.IntRange(0, 366))
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
def reminders(days: int, today: object) -> None:
    day: date = today.date() if today is not None else paris_date(utcnow())  # type: ignore[attr-defined]
    with transaction(confirm=False) as session:
        due = q.labels_due(session, day, days)
    print_table(
        f"Labels à renouveler d'ici {days} jours : {len(due)}",
        ("lieu", "adresse électronique", "label", "dernier jour"),
        [(d.name, d.email or "—", d.label, d.valid_until.strftime("%d/%m/%Y")) for d in due],
    )
