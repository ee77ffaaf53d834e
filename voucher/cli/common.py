"""What every ``voucher`` command shares: the consoles, the one transaction, the one refusal
line, the progress bar and who is acting.

Rules kept here, for every command:

- its work runs in one transaction (:func:`transaction`), committed when the block ends
  normally; this wrapper is, with the web request wrapper, the only place that commits;
- a dry run (``confirm=False``: the command was not given ``--confirm``) does the same work,
  then rolls it back and keeps what was read, so it shows exactly what would happen; the
  command's last line then says it was a simulation (:func:`dry_run_note`);
- a :class:`DomainError` anywhere in the block rolls everything back, prints one line on
  standard error, ``Refusé (code) : message`` in French (:func:`refuse`), and exits 1:
  nothing is half-written;
- ``--as EMAIL`` names an active person, who then acts with their own rights and their name
  in the audit; without it the command acts as the system (:func:`actor`);
- the database engine comes from :func:`engine` only (tests replace it there).

This module imports SQLAlchemy and the models only when a command runs, as the group
modules do with the services they call: ``voucher --help`` stays fast.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, NoReturn

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from voucher.domain.errors import DomainError
from voucher.services.context import Actor, cli_actor

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session

    from voucher.db.models import RoleGrant, User


def _console(*, stderr: bool = False) -> Console:
    """A terminal's own width; to a file or a pipe (a script, a log, a test runner), 200
    columns whatever COLUMNS says (it describes a terminal, and some runners set it to 80),
    so a table written there is not cut."""
    stream = sys.stderr if stderr else sys.stdout
    if getattr(stream, "isatty", lambda: False)():
        return Console(stderr=stderr)
    return Console(stderr=stderr, width=200)


console = _console()
err_console = _console(stderr=True)

CONFIRM = click.option(
    "--confirm", is_flag=True, help="Enregistre réellement (sinon : simulation)."
)
AS_FINANCE = click.option(
    "--as", "email", default=None, help="Agir en tant que cette personne (rôle finance)."
)


def engine() -> Engine:
    from voucher import config
    from voucher.db.engine import make_engine

    return make_engine(config.load()["DATABASE_URL"])


def refuse(exc: DomainError) -> NoReturn:
    """The one refusal line, then exit 1."""
    err_console.print(f"[bold red]Refusé[/] ({exc.code}) : {exc.message}")
    sys.exit(1)


@contextmanager
def transaction(confirm: bool = True) -> Iterator[Session]:
    """One transaction: committed, or rolled back when ``confirm`` is false (a dry run, or a
    command that only reads); a refusal rolls back, prints its line and exits 1."""
    from voucher.db.engine import unit_of_work
    from voucher.services.mail import outbox

    eng = engine()
    try:
        with unit_of_work(eng) as session:
            yield session
            if not confirm:
                session.expunge_all()  # keep what was read, undo what was written
                session.rollback()
            mail = confirm and session.info.pop(outbox.QUEUED, False)
        if mail:  # committed: the job worker sends the messages recorded
            from voucher.services.jobs import queue

            queue.send_mail()
    except DomainError as exc:
        refuse(exc)
    finally:
        eng.dispose()


def dry_run_note(confirm: bool) -> str:
    """The end of a command's last line: empty when it wrote, a warning when it simulated."""
    return "" if confirm else " [yellow](simulation : relancez avec --confirm pour enregistrer)[/]"


def actor(session: Session, email: str | None, command: str, *, role: str | None = None) -> Actor:
    """``--as EMAIL``: that active person, holding a ``role`` grant when one is asked for
    (they then act in that grant's organisation); no email: the system, for ``command``."""
    if not email:
        return cli_actor(command)
    user = _active_user(session, email)
    if role is None:
        if user is None:
            raise DomainError("not_found", "aucun compte actif avec cette adresse.")
        return Actor(label=f"{user.email} (ligne de commande)", user_id=user.id)
    grant = _grant(session, user.id, role) if user is not None else None
    if user is None or grant is None:
        raise DomainError("forbidden", f"Aucun compte actif avec un rôle {role} à cette adresse.")
    return Actor(
        label=f"{user.email} (ligne de commande)",
        user_id=user.id,
        organisation_id=grant.organisation_id,
        role=role,
    )


def _active_user(session: Session, email: str) -> User | None:
    from sqlalchemy import select

    from voucher.db.models import User

    user = session.scalars(select(User).where(User.email == email.strip().lower())).first()
    return user if user is not None and user.active else None


def _grant(session: Session, user_id: int, role: str) -> RoleGrant | None:
    from sqlalchemy import select

    from voucher.db.models import RoleGrant

    return session.scalars(
        select(RoleGrant).where(RoleGrant.user_id == user_id, RoleGrant.role == role)
    ).first()


def progress_bar() -> Progress:
    """A progress bar on standard error, so standard output stays clean for pipes."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
    )


def print_table(title: str, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    table = Table(title=title)
    for col in columns:
        table.add_column(col)
    for row in rows:
        table.add_row(*row)
    console.print(table)
