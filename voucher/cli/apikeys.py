"""``voucher apikey create|list|revoke``: API keys of organisations.

The key is printed once, at creation, and never stored (only its SHA-256 hash and its
public prefix); a lost key is revoked and replaced.
"""

from __future__ import annotations

import click
from rich.table import Table

from voucher.cli.common import console, err_console, transaction
from voucher.db.models.auth import ROLES
from voucher.services.context import cli_actor


@click.group(help="Clés d'API des organisations.")
def apikey() -> None:
    pass


@apikey.command("create", help="Crée une clé d'API et l'affiche une seule fois.")
@click.option("--organisation", "organisation_id", type=int, required=True)
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--name", required=True, help="nom lisible (ex. « tablette accueil »)")
def create(organisation_id: int, role: str, name: str) -> None:
    from voucher.services.access import api_keys

    with transaction() as session:
        new = api_keys.create_key(
            session, cli_actor("apikey"), organisation_id=organisation_id, role=role, name=name
        )
        key_id = new.key.id
    err_console.print(
        f"Clé {key_id} créée ({role}, organisation {organisation_id}). "
        "Copiez-la maintenant : elle ne sera plus jamais affichée."
    )
    click.echo(new.secret)  # alone on standard output: KEY=$(voucher apikey create ...)


@apikey.command("list", help="Liste les clés (jamais leur secret).")
@click.option("--organisation", "organisation_id", type=int, default=None)
def list_keys(organisation_id: int | None) -> None:
    from voucher.services.access import api_keys

    with transaction(confirm=False) as session:
        keys = api_keys.list_keys(session, organisation_id)
    table = Table(title="Clés d'API")
    for col in ("id", "préfixe", "nom", "rôle", "organisation", "dernier usage", "révoquée le"):
        table.add_column(col, no_wrap=col == "préfixe")
    for k in keys:
        table.add_row(
            str(k.id),
            k.prefix,
            k.name,
            k.role,
            f"{k.organisation_name} ({k.organisation_id})",
            f"{k.last_used_at:%Y-%m-%d %H:%M}" if k.last_used_at else "—",
            f"{k.revoked_at:%Y-%m-%d %H:%M}" if k.revoked_at else "—",
        )
    console.print(table)


@apikey.command("revoke", help="Révoque une clé : elle cesse aussitôt de fonctionner.")
@click.argument("key_id", type=int)
def revoke(key_id: int) -> None:
    from voucher.services.access import api_keys

    with transaction() as session:
        api_keys.revoke_api_key(session, cli_actor("apikey"), key_id)
    console.print(f"Clé {key_id} révoquée.")
