"""``voucher disputes list|release|reject``: offline acceptances the server refused.

The reviewer is named with ``--as EMAIL``: a person holding a ``funder`` grant on one of
the voucher's programme's funders or a ``finance`` grant (an unknown code's dispute: the
operator's finance staff); one transaction per command.
"""

from __future__ import annotations

import click
from rich.table import Table

from voucher.cli.common import actor, console, transaction
from voucher.domain.cursor import Cursor
from voucher.domain.money import format_eur
from voucher.services.access.api_reads import Viewer
from voucher.services.access.programme_scope import Scope, scope_for
from voucher.services.redemption import disputes as service
from voucher.services.redemption.disputes import STATUSES

REVIEWER = click.option("--as", "email", required=True, help="Adresse du relecteur.")


@click.group(help="Litiges : acceptations faites hors ligne, refusées à l'envoi.")
def disputes() -> None:
    pass


@disputes.command("list", help="Liste les litiges (tous, ou ceux que voit un relecteur).")
@click.option("--status", default="open", show_default=True, type=click.Choice(STATUSES))
@click.option("--as", "email", default=None, help="Limiter à ce que voit ce relecteur.")
def list_disputes(status: str, email: str | None) -> None:
    with transaction(confirm=False) as session:
        scope = (
            scope_for(session, actor(session, email, "disputes"))
            if email
            else Scope(everything=True)
        )
        walk = Cursor(status=status)
        rows = service.sync_disputes(session, Viewer("finance", 0, scope), walk, 500).items
    table = Table(title=f"Litiges ({status}) : {len(rows)}")
    for col in ("n°", "scanné le (UTC)", "lieu", "motif", "code", "montant"):
        table.add_column(col)
    for d in rows:
        table.add_row(
            str(d.id),
            d.scanned_at.strftime("%Y-%m-%d %H:%M") if d.scanned_at else "",
            str(d.structure_id),
            d.reason,
            f"…{d.code_tail or ''}",
            format_eur(d.face_value_cents) if d.face_value_cents is not None else "",
        )
    console.print(table)


@disputes.command("release", help="Paie le lieu pour ce scan (si le chèque n'a pas servi).")
@click.argument("dispute_id", type=int)
@REVIEWER
def release(dispute_id: int, email: str) -> None:
    with transaction() as session:
        service.release(session, actor(session, email, "disputes"), dispute_id)
    console.print(f"Litige {dispute_id} libéré : il sera remboursé avec le prochain relevé.")


@disputes.command("reject", help="Rejette un litige (rien n'est payé).")
@click.argument("dispute_id", type=int)
@REVIEWER
@click.option("--note", required=True, help="Motif du rejet.")
def reject(dispute_id: int, email: str, note: str) -> None:
    with transaction() as session:
        service.reject(session, actor(session, email, "disputes"), dispute_id, note)
    console.print(f"Litige {dispute_id} rejeté : rien n'est payé.")
