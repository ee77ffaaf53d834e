"""``voucher user create``: an account and its role in one organisation.

The password is asked twice and never echoed; it is stored hashed (argon2) by the access
service, which also audits the creation.
"""

from __future__ import annotations

import click

from voucher.cli.common import console, transaction
from voucher.services.context import cli_actor


@click.group(help="Comptes des personnes.")
def user() -> None:
    pass


@user.command("create", help="Crée un compte et lui donne un rôle dans une organisation.")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--organisation", "organisation_id", type=int, required=True)
@click.option("--role", required=True)
@click.password_option()
def user_create(email: str, name: str, organisation_id: int, role: str, password: str) -> None:
    from voucher.services.access import people

    with transaction() as session:
        people.create_user(
            session,
            cli_actor("user"),
            email=email,
            name=name,
            password=password,
            grants=[(organisation_id, role)],
        )
    console.print(f"Compte {email} créé ({role}).")
