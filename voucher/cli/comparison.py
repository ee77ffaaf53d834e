"""``voucher comparison``: the comparison group of a programme's before/after (a comparison
zone or a waiting-list cohort), and the answers of its people, imported from the survey file
the prescribers kept (pseudonymous: the local reference is hashed, never stored)."""

from __future__ import annotations

import csv
import io
from datetime import date
from pathlib import Path

import click

from voucher.cli.common import CONFIRM, console, dry_run_note, transaction
from voucher.domain.errors import DomainError
from voucher.services.context import cli_actor
from voucher.services.evaluation import follow_up
from voucher.services.issuance import handout

COLUMNS = (
    "local_reference",
    "population",
    "age_band",
    "social_status",
    "commune_insee",
    "moment",
    "answer",
    "observed_on",
)


@click.group("comparison", help="Groupe de comparaison d'un dispositif (avant/après).")
def comparison_group() -> None:
    pass


@comparison_group.command("declare", help="Déclare le groupe de comparaison d'un dispositif.")
@click.option("--programme", "programme_id", type=int, required=True, help="Dispositif.")
@click.option("--kind", type=click.Choice(["zone", "liste_attente"]), required=True)
@click.option("--label", required=True, help="Description (zone, cohorte…).")
def declare_cmd(programme_id: int, kind: str, label: str) -> None:
    with transaction() as session:
        follow_up.declare(
            session,
            cli_actor("comparison declare"),
            programme_id=programme_id,
            kind=kind,
            label=label,
        )
    console.print(f"Groupe de comparaison déclaré pour le dispositif n° {programme_id}.")


def _rows(path: Path) -> list[dict[str, str]]:
    text = path.read_bytes().decode("utf-8-sig", errors="strict")
    dialect = csv.Sniffer().sniff(text.splitlines()[0] if text else ",", delimiters=",;")
    rows = list(csv.DictReader(io.StringIO(text), dialect=dialect))
    if not rows or set(COLUMNS) - set(rows[0]):
        raise DomainError("invalid_value", f"Colonnes attendues : {', '.join(COLUMNS)}.")
    return rows


@comparison_group.command("import", help="Importe les réponses du groupe de comparaison (CSV).")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--programme", "programme_id", type=int, required=True, help="Dispositif.")
@click.option("--prescriber", "prescriber_id", type=int, required=True, help="Prescripteur.")
@CONFIRM
def import_cmd(path: Path, programme_id: int, prescriber_id: int, confirm: bool) -> None:
    from voucher import config

    key = config.load()["PSEUDONYM_KEY"]
    with transaction(confirm) as session:
        try:
            rows = _rows(path)
        except (UnicodeDecodeError, csv.Error):
            raise DomainError("invalid_value", "Fichier CSV illisible (UTF-8 attendu).") from None
        for n, row in enumerate(rows, start=2):
            try:
                follow_up.record_comparison(
                    session,
                    cli_actor("comparison import"),
                    programme_id=programme_id,
                    prescriber_id=prescriber_id,
                    profile=handout.Profile(
                        local_reference=row["local_reference"],
                        population=row["population"],
                        age_band=row["age_band"],
                        social_status=row["social_status"],
                        commune_insee=row["commune_insee"] or None,
                        consent=True,
                    ),
                    key=key,
                    answer=row["answer"],
                    observed_on=date.fromisoformat(row["observed_on"]),
                    moment=row["moment"],
                )
            except ValueError:
                raise DomainError(
                    "invalid_value", f"Ligne {n} : date invalide (AAAA-MM-JJ)."
                ) from None
            except DomainError as exc:
                raise DomainError(exc.code, f"Ligne {n} : {exc.message}") from None
    console.print(
        f"{len(rows)} réponses du groupe de comparaison importées.{dry_run_note(confirm)}"
    )
