"""``voucher db upgrade``, ``voucher demo``, ``voucher serve``: the database and the server.

Each brings the database to the latest migration first. ``serve`` replaces this process
with gunicorn serving ``voucher.web.wsgi:app``: the command line never imports the web
application itself.
"""

from __future__ import annotations

import os
import sys

import click
from rich.console import Console
from rich.table import Table

from voucher.cli import common
from voucher.cli.common import console, err_console, transaction


def _upgrade() -> str:
    """Create the database or apply the missing migrations; the URL, password hidden."""
    from voucher.db.migrate import upgrade

    eng = common.engine()
    try:
        upgrade(eng)
        return eng.url.render_as_string(hide_password=True)
    finally:
        eng.dispose()


@click.group(help="Base de données.")
def db() -> None:
    pass


@db.command("upgrade", help="Crée la base ou applique les migrations manquantes.")
def db_upgrade() -> None:
    console.print(f"Base à jour : {_upgrade()}")


@click.command(help="Charge la démonstration (données fictives) dans une base vide.")
@click.option("--seed", default=42, show_default=True)
def demo(seed: int) -> None:
    from sqlalchemy import func, select

    from voucher.db.models import Programme
    from voucher.services import demo as demo_service

    _upgrade()
    with transaction(confirm=False) as s:
        if s.scalar(select(func.count()).select_from(Programme)):
            console.print("La base contient déjà des données : démonstration non rechargée.")
            return
    with (
        err_console.status("Construction de la démonstration…") as status,
        transaction() as session,
    ):
        summary = demo_service.build(session, seed=seed, progress=lambda m: status.update(m + "…"))
    with (
        err_console.status("Publication des chiffres d'impact du dernier mois clos…"),
        transaction() as session,
    ):  # what /impact shows is a release: the demo publishes its first one
        from voucher.services.context import cli_actor
        from voucher.services.impact import release

        release.publish(session, cli_actor("demo"))
    console.print(f"[bold]{demo_service.NOTICE}[/]")
    console.print(
        f"{summary.books} carnets, {summary.handed_out} remis, {summary.redemptions} séances, "
        f"{summary.refusals} scans refusés, {summary.held} en attente de vérification (/revue)."
    )
    if summary.closed_months:
        console.print(
            f"Mois clôturés : {summary.closed_months[0]} à {summary.closed_months[-1]} ; "
            f"{summary.paid_statements} relevés payés (relevés bancaires importés), "
            f"{len(summary.returned)} virement revenu puis repayé, "
            f"{len(summary.decided_holds)} vérifications tranchées."
        )
    _print_logins(summary.logins)


def _print_logins(logins: list[tuple[str, str, str]]) -> None:
    from voucher.services.demo import DEMO_PASSWORD

    table = Table(title=f"Comptes de démonstration (mot de passe : {DEMO_PASSWORD})")
    for col in ("identifiant", "rôle", "personne"):
        table.add_column(col)
    for row in logins:
        table.add_row(*row)
    Console(width=max(console.width, 110)).print(table)  # never truncate a login


@click.command(help="Sert l'application avec gunicorn (serveur WSGI de production).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option(
    "--workers",
    type=int,
    default=None,
    help="Processus gunicorn (par défaut : ceux de voucher/web/gunicorn_conf.py).",
)
@click.option(
    "--job-worker/--no-job-worker",
    default=True,
    show_default=True,
    help="Lance aussi l'exécuteur des tâches longues (voucher worker).",
)
def serve(host: str, port: int, workers: int | None, job_worker: bool) -> None:
    _upgrade()
    os.environ["VOUCHER_SERVE_WORKER"] = "1" if job_worker else "0"
    console.print(f"Application disponible sur http://{host}:{port}/")
    os.execvp(
        sys.executable,
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:voucher.web.gunicorn_conf",
            *(["--workers", str(workers)] if workers else []),
            "--bind",
            f"{host}:{port}",
            "voucher.web.wsgi:app",
        ],
    )
