"""``voucher apikey create|list|revoke|rotate``: API keys of organisations.

The key is printed once, at creation, and never stored (only its SHA-256 hash and its
public prefix); a lost key is revoked and replaced.
"""

from __future__ import annotations

from datetime import UTC, datetime

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
@click.option("--device", default=None, help="appareil qui porte la clé (ex. « tablette 2 »)")
@click.option(
    "--expires", type=click.DateTime(), default=None, help="fin de validité (UTC, AAAA-MM-JJ)"
)
def create(
    organisation_id: int, role: str, name: str, device: str | None, expires: datetime | None
) -> None:
    from voucher.services.access import api_keys

    with transaction() as session:
        new = api_keys.create_key(
            session,
            cli_actor("apikey"),
            organisation_id=organisation_id,
            role=role,
            name=name,
            expires_at=expires.replace(tzinfo=UTC) if expires else None,
            device_label=device,
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
    for col in (
        "id",
        "préfixe",
        "nom",
        "appareil",
        "rôle",
        "organisation",
        "dernier usage",
        "expire le",
        "révoquée le",
    ):
        table.add_column(col, no_wrap=col == "préfixe")
    for k in keys:
        table.add_row(
            str(k.id),
            k.prefix,
            k.name,
            k.device_label or "—",
            k.role,
            f"{k.organisation_name} ({k.organisation_id})",
            f"{k.last_used_at:%Y-%m-%d %H:%M}" if k.last_used_at else "—",
            f"{k.expires_at:%Y-%m-%d %H:%M}" if k.expires_at else "—",
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


@apikey.command(
    "rotate", help="Remplace une clé : la nouvelle est affichée, l'ancienne vaut jusqu'à une date."
)
@click.argument("key_id", type=int)
@click.option(
    "--old-valid-until",
    type=click.DateTime(),
    required=True,
    help="l'ancienne clé cesse de fonctionner à cette date (UTC ; 90 jours au plus)",
)
def rotate(key_id: int, old_valid_until: datetime) -> None:
    from voucher.services.access import api_keys

    with transaction() as session:
        new = api_keys.rotate_key(
            session, cli_actor("apikey"), key_id, old_valid_until.replace(tzinfo=UTC)
        )
        new_id = new.key.id
    err_console.print(
        f"Clé {new_id} créée ; la clé {key_id} fonctionne jusqu'au {old_valid_until:%Y-%m-%d %H:%M} UTC. "
        "Copiez la nouvelle maintenant : elle ne sera plus jamais affichée."
    )
    click.echo(new.secret)
