"""``voucher places sirene|reminders``: load the SIRENE establishments extract places
qualify from; list the labels due for a renewal reminder."""

from __future__ import annotations

from datetime import date

import click

from voucher.cli.common import console, engine, print_table, transaction
from voucher.db.queries import places as q
from voucher.domain.calendar import paris_date, utcnow
from voucher.domain.places import REMINDER_DAYS
from voucher.services.context import cli_actor
from voucher.services.organisations import eligibility, qualification, sirene


@click.group("places", help="Lieux qui s'inscrivent : répertoire SIRENE, rappels de label.")
def places_group() -> None:
    pass


@places_group.command(
    "sirene", help="Charge un extrait SIRENE des établissements (StockEtablissement, CSV)."
)
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def load_sirene(path: str) -> None:
    with transaction() as session, open(path, encoding="utf-8-sig", newline="") as lines:
        loaded, skipped = sirene.load(session, cli_actor("places sirene"), lines)
    console.print(f"{loaded} établissements chargés, {skipped} lignes ignorées (SIRET invalide).")


@places_group.command(
    "reminders", help="Liste les labels qui arrivent à échéance ; --send envoie les rappels."
)
@click.option("--days", default=REMINDER_DAYS, show_default=True, type=click.IntRange(0, 366))
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None)
@click.option("--send", is_flag=True, help="Envoie les rappels dus (une fois par seuil).")
def reminders(days: int, today: object, send: bool) -> None:
    day: date = today.date() if today is not None else paris_date(utcnow())  # type: ignore[attr-defined]
    if send:
        from voucher.services.jobs import worker

        eng = engine()
        try:
            recorded = worker.daily_labels(day, eng)
        finally:
            eng.dispose()
        console.print(f"{recorded} rappel(s) de label envoyé(s) ou mis en file.")
    with transaction(confirm=False) as session:
        due = q.labels_due(session, day, days)
    print_table(
        f"Labels à renouveler d'ici {days} jours : {len(due)}",
        ("lieu", "adresse électronique", "label", "dernier jour"),
        [(d.name, d.email or "—", d.label, d.valid_until.strftime("%d/%m/%Y")) for d in due],
    )


@places_group.command("questions", help="Liste les questions d'éligibilité en vigueur.")
def list_questions() -> None:
    with transaction(confirm=False) as session:
        rows = [(str(q.id), q.text, q.expected) for q in qualification.questions(session)]
    print_table("Questionnaire d'éligibilité", ("n°", "question", "réponse attendue"), rows)


@places_group.command("question-add", help="Ajoute une question au questionnaire d'éligibilité.")
@click.option("--text", required=True)
@click.option("--expected", type=click.Choice(["oui", "non"]), default="oui", show_default=True)
def add_question(text: str, expected: str) -> None:
    with transaction() as session:
        q_id = eligibility.add_question(
            session, cli_actor("places question-add"), text, expected
        ).id
    console.print(f"Question n° {q_id} ajoutée.")


@places_group.command("question-retire", help="Retire une question (les réponses restent).")
@click.argument("question_id", type=int)
def retire_question(question_id: int) -> None:
    with transaction() as session:
        eligibility.retire_question(session, cli_actor("places question-retire"), question_id)
    console.print(f"Question n° {question_id} retirée.")
