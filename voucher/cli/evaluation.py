"""``voucher cost``: a programme's other costs (printing, operator fees, …), so that cost per
beneficiary and per completed carnet count what the programme really cost."""

from __future__ import annotations

import click

from voucher.cli.common import console, print_table, transaction
from voucher.domain.money import format_eur
from voucher.services.context import cli_actor
from voucher.services.evaluation import costs


@click.group("cost", help="Autres coûts d'un dispositif (impression, frais de l'opérateur…).")
def cost_group() -> None:
    pass


@cost_group.command("add", help="Ajoute une ligne de coût à un dispositif (jamais modifiée).")
@click.option("--programme", "programme_id", type=int, required=True, help="Dispositif.")
@click.option("--kind", type=click.Choice(list(costs.KINDS)), required=True, help="Nature.")
@click.option(
    "--amount-cents",
    type=int,
    required=True,
    help="Montant en centimes (négatif seulement pour une correction).",
)
@click.option("--label", required=True, help="Libellé (facture, prestataire…).")
def add_cmd(programme_id: int, kind: str, amount_cents: int, label: str) -> None:
    with transaction() as session:
        row = costs.add(
            session,
            cli_actor("cost add"),
            programme_id=programme_id,
            kind=kind,
            amount_cents=amount_cents,
            label=label,
        )
    console.print(
        f"Coût n° {row.id} enregistré : {format_eur(amount_cents)} ({costs.KINDS[kind]})."
    )


@cost_group.command("list", help="Liste les autres coûts (d'un dispositif ou de tous).")
@click.option("--programme", "programme_id", type=int, default=None, help="Un dispositif.")
def list_cmd(programme_id: int | None) -> None:
    with transaction(confirm=False) as session:
        scope = None if programme_id is None else frozenset({programme_id})
        rows = [
            [str(r.id), str(r.programme_id), r.kind, r.label, format_eur(r.amount_cents)]
            for r in costs.lines(session, scope)
        ]
        total = costs.other_costs(session, scope)
    print_table("Autres coûts", ["n°", "dispositif", "nature", "libellé", "montant"], rows)
    console.print(f"Total : {format_eur(total)}")
