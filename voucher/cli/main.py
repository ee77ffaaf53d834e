"""The ``voucher`` command. Each command opens one transaction (the CLI wrapper is, with
the web request wrapper, the only place that commits), prints French messages, and exits
non-zero on any refusal: nothing is half-written."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from voucher import config
from voucher.db.engine import make_engine, unit_of_work
from voucher.db.migrate import upgrade
from voucher.domain.errors import DomainError
from voucher.domain.money import format_eur, parse_eur
from voucher.services.context import cli_actor

console = Console()
err_console = Console(stderr=True)


def engine() -> Engine:
    return make_engine(config.load()["DATABASE_URL"])


@contextmanager
def transaction() -> Iterator[Session]:
    try:
        with unit_of_work(engine()) as session:
            yield session
    except DomainError as exc:
        err_console.print(f"[bold red]Refusé[/] ({exc.code}) : {exc.message}")
        sys.exit(1)


def progress_bar() -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
    )


@click.group(help="Registre ouvert des pass numériques.")
def main() -> None:
    pass


@main.group(help="Base de données.")
def db() -> None:
    pass


@db.command("upgrade", help="Crée la base ou applique les migrations manquantes.")
def db_upgrade() -> None:
    eng = engine()
    upgrade(eng)
    console.print(f"Base à jour : {eng.url.render_as_string(hide_password=True)}")


@main.command(help="Charge la démonstration (données fictives) dans une base vide.")
@click.option("--seed", default=42, show_default=True)
def demo(seed: int) -> None:
    from sqlalchemy import func, select

    from voucher.db.models import Programme
    from voucher.services import demo as demo_service

    eng = engine()
    upgrade(eng)
    with unit_of_work(eng) as s:
        if s.scalar(select(func.count()).select_from(Programme)):
            console.print("La base contient déjà des données : démonstration non rechargée.")
            return
    with (
        err_console.status("Construction de la démonstration…") as status,
        transaction() as session,
    ):
        summary = demo_service.build(session, seed=seed, progress=lambda m: status.update(m + "…"))
    console.print(f"[bold]{demo_service.NOTICE}[/]")
    console.print(
        f"{summary.books} carnets, {summary.handed_out} remis, {summary.redemptions} séances, "
        f"{summary.refusals} scans refusés, {summary.held} en attente de vérification (/revue)."
    )
    print_logins(summary.logins)


def print_logins(logins: list[tuple[str, str, str]]) -> None:
    from voucher.services.demo import DEMO_PASSWORD

    table = Table(title=f"Comptes de démonstration (mot de passe : {DEMO_PASSWORD})")
    for col in ("identifiant", "rôle", "personne"):
        table.add_column(col)
    for row in logins:
        table.add_row(*row)
    Console(width=max(console.width, 110)).print(table)  # never truncate a login


@main.command(help="Sert l'application avec gunicorn (serveur WSGI de production).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True)
@click.option("--workers", default=os.cpu_count() or 2, show_default=True)
def serve(host: str, port: int, workers: int) -> None:
    upgrade(engine())
    console.print(f"Application disponible sur http://{host}:{port}/")
    os.execvp(
        sys.executable,
        [
            sys.executable,
            "-m",
            "gunicorn",
            "--workers",
            str(workers),
            "--bind",
            f"{host}:{port}",
            "--access-logfile",
            "-",
            "voucher.web.wsgi:app",
        ],
    )


@main.command(help="Émet un lot de carnets pour un prescripteur.")
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
            progress=lambda n: bar.advance(task, n),
        )
    console.print(
        f"Lot {batch.id} émis : {books} carnets, numéros {batch.first_serial} "
        f"à {batch.first_serial + books - 1}."
    )


@main.command(help="Enregistre un versement d'un financeur (montant en euros, ex. 1500,00).")
@click.option("--programme", "programme_id", type=int, required=True)
@click.option("--funder", "funder_id", type=int, required=True)
@click.option("--amount", required=True)
@click.option("--reference", default=None)
def funds(programme_id: int, funder_id: int, amount: str, reference: str | None) -> None:
    from voucher.services.issuance import batches

    try:
        cents = parse_eur(amount)
    except ValueError:
        err_console.print("[bold red]Refusé[/] (invalid_amount) : montant illisible.")
        sys.exit(1)
    with transaction() as session:
        batches.record_funds_received(
            session,
            cli_actor("funds"),
            programme_id=programme_id,
            funder_id=funder_id,
            amount_cents=cents,
            received_on=date.today(),
            reference=reference,
        )
    console.print(f"Versement de {format_eur(cents)} enregistré.")


@main.command(help="Active un lot dont les fonds sont reçus.")
@click.option("--batch", "batch_id", type=int, required=True)
def activate(batch_id: int) -> None:
    from voucher.services.issuance import batches

    with transaction() as session:
        batches.activate_batch(session, cli_actor("activate"), batch_id)
    console.print(f"Lot {batch_id} activé.")


@main.command(help="Encaisse un chèque dans un lieu (code tapé ou scanné).")
@click.option("--structure", "structure_id", type=int, required=True)
@click.option("--theme", default=None)
@click.argument("code")
def redeem(structure_id: int, theme: str | None, code: str) -> None:
    from voucher.services.redemption import redeem as redemption

    with transaction() as session:
        result = redemption.redeem(
            session,
            cli_actor("redeem"),
            redemption.Scan(code=code, structure_id=structure_id, theme=theme),
        )
    word = "accepté" if result.status == "accepted" else "en attente de vérification"
    console.print(
        f"Chèque {result.position}/{result.vouchers_per_book} du carnet {result.book_serial:06d} "
        f"{word} ({format_eur(result.face_value_cents)})."
    )


@main.command(help="Fait expirer un dispositif terminé (simulation sans --confirm).")
@click.option("--programme", "programme_id", type=int, required=True)
@click.option("--confirm", is_flag=True, help="Enregistre réellement l'expiration.")
def expire(programme_id: int, confirm: bool) -> None:
    from voucher.services.issuance import expiry

    with unit_of_work(engine()) as session:
        try:
            report = expiry.expire_programme(session, cli_actor("expire"), programme_id)
        except DomainError as exc:
            err_console.print(f"[bold red]Refusé[/] ({exc.code}) : {exc.message}")
            sys.exit(1)
        if not confirm:
            session.rollback()
    verb = "ont expiré" if confirm else "expireraient (simulation : relancez avec --confirm)"
    console.print(
        f"{report.vouchers} chèques {verb} ; valeur non utilisée {format_eur(report.breakage_cents)}."
    )


@main.command(help="Vérifie tout le journal ; code de sortie non nul si une règle est violée.")
@click.option("--seal", is_flag=True, help="Scelle d'abord les écritures non scellées.")
def audit(seal: bool) -> None:
    from voucher.services.finance import ledger_audit

    if seal:
        with transaction() as session:
            block = ledger_audit.seal(session)
        if block:
            console.print(
                f"Bloc scellé : écritures {block.first_entry_id} à {block.last_entry_id}."
            )
    with unit_of_work(engine()) as session:
        report = ledger_audit.verify(session)
    console.print(
        f"{report.entries} écritures, {report.postings} lignes, {report.accounts} comptes, "
        f"{report.sealed_entries} écritures scellées."
    )
    if report.ok:
        console.print("[bold green]Journal cohérent[/] : toutes les vérifications passent.")
        return
    for p in report.problems:
        err_console.print(f"[bold red]{p.check}[/] {p.message}")
    sys.exit(2)


@main.group(help="Comptes des personnes.")
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


def _load_extensions() -> None:
    from voucher.cli import extra

    extra.register(main)


_load_extensions()
