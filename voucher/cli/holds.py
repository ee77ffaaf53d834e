"""``voucher holds list|release|reject``: the review queue from the command line.

The reviewer is named with ``--as EMAIL``: decisions need a person (never the one who
scanned) holding a ``funder`` grant on one of the programme's funders or a ``finance``
grant; the same rules as the web queue apply, in one transaction per command.
"""

from __future__ import annotations

import click
from rich.table import Table

from voucher.cli.common import actor, console, transaction
from voucher.domain.money import format_eur
from voucher.services.access.programme_scope import Scope, scope_for
from voucher.services.redemption import holds as holds_service
from voucher.services.redemption import review

REVIEWER = click.option(
    "--as", "email", required=True, help="Adresse du relecteur (pas celui qui a scanné)."
)


@click.group(help="Passages retenus par les règles anti-fraude.")
def holds() -> None:
    pass


@holds.command(
    "list", help="Liste les passages retenus (tous dispositifs, ou ceux d'un relecteur)."
)
@click.option(
    "--status",
    default="open",
    show_default=True,
    type=click.Choice(list(review.HOLD_STATUSES)),
)
@click.option("--programme", "programme_id", type=int, default=None)
@click.option("--as", "email", default=None, help="Limiter à ce que voit ce relecteur.")
def list_holds(status: str, programme_id: int | None, email: str | None) -> None:
    with transaction(confirm=False) as session:
        scope = (
            scope_for(session, actor(session, email, "holds")) if email else Scope(everything=True)
        )
        rows = review.list_holds(session, scope, status=status, programme_id=programme_id)
    table = Table(title=f"Passages retenus ({review.STATUS_FR[status]}) : {len(rows)}")
    for col in ("n°", "scanné le (UTC)", "lieu", "dispositif", "règle", "montant"):
        table.add_column(col)
    for h in rows:
        table.add_row(
            str(h.id),
            h.scanned_at.strftime("%Y-%m-%d %H:%M"),
            h.structure_name,
            h.programme_name,
            h.title,
            format_eur(h.face_value_cents),
        )
    console.print(table)


@holds.command("release", help="Libère un passage retenu (il sera remboursé).")
@click.argument("hold_id", type=int)
@REVIEWER
def release(hold_id: int, email: str) -> None:
    with transaction() as session:
        holds_service.release(session, actor(session, email, "holds"), hold_id)
    console.print(f"Passage {hold_id} libéré : il sera remboursé avec le prochain relevé.")


@holds.command(
    "reject", help="Rejette un passage retenu (chèque annulé, valeur rendue au financeur)."
)
@click.argument("hold_id", type=int)
@REVIEWER
@click.option("--note", required=True, help="Motif du rejet.")
def reject(hold_id: int, email: str, note: str) -> None:
    with transaction() as session:
        holds_service.reject(session, actor(session, email, "holds"), hold_id, note)
    console.print(f"Passage {hold_id} rejeté : chèque annulé.")
