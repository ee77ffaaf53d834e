"""``voucher mail send|list``: the e-mail outbox (docs/mail.md). The job worker sends it
every minute; ``send`` does it now, from this process."""

from __future__ import annotations

import click
from sqlalchemy import select

from voucher.cli.common import console, engine, print_table, transaction
from voucher.db.models import MailMessage


@click.group("mail", help="Courriels : envoi de la file, liste des derniers messages.")
def mail_group() -> None:
    pass


@mail_group.command("send", help="Envoie maintenant les courriels en attente.")
def send() -> None:
    from voucher.services.jobs import worker

    eng = engine()
    try:
        tried = worker.deliver_mail(eng=eng)
    finally:
        eng.dispose()
    console.print(f"{tried} courriel(s) tenté(s).")


@mail_group.command("list", help="Liste les derniers courriels (destinataire, état, essais).")
@click.option("--limit", default=30, show_default=True, type=click.IntRange(1, 1000))
def list_mail(limit: int) -> None:
    with transaction(confirm=False) as session:
        rows = session.scalars(select(MailMessage).order_by(MailMessage.id.desc()).limit(limit))
        lines = [
            (str(m.id), m.kind, m.to_addr, m.subject, m.status, str(m.attempts), m.last_error or "")
            for m in rows
        ]
    print_table(
        "Courriels", ("n°", "sorte", "destinataire", "objet", "état", "essais", "erreur"), lines
    )
