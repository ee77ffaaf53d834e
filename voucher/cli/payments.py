"""``voucher payrun create|approve|list|file``: SEPA payment runs (pain.001).

``create`` and ``approve`` are dry runs unless ``--confirm`` is given; a dry run still
builds the SEPA file and validates it against its XSD, then rolls everything back. A
statement whose bank details changed recently is withheld until a second finance person
approves it. The file is written only once the run is recorded.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from voucher.cli.common import (
    AS_FINANCE,
    CONFIRM,
    actor,
    console,
    dry_run_note,
    print_table,
    transaction,
)
from voucher.domain.money import format_eur

if TYPE_CHECKING:
    from voucher.services.finance.payments import RunResult

OUTPUT = click.option(
    "--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None
)


@click.group("payrun", help="Ordres de virement SEPA (pain.001).")
def payrun() -> None:
    pass


@payrun.command("create", help="Prépare un ordre de virement ; simulation sans --confirm.")
@click.option("--version", "version", default=None, help="pain.001.001.03 ou pain.001.001.09")
@click.option(
    "--execution-date", default=None, help="AAAA-MM-JJ, jour ouvré TARGET2 (défaut : le prochain)"
)
@OUTPUT
@CONFIRM
@AS_FINANCE
def payrun_create(
    version: str | None,
    execution_date: str | None,
    output: Path | None,
    confirm: bool,
    email: str | None,
) -> None:
    from voucher.db.models import PaymentRun
    from voucher.domain.calendar import parse_execution_date
    from voucher.services.finance import payments, settings

    with transaction(confirm) as s:
        when = parse_execution_date(execution_date) if execution_date else None
        result = payments.create_run(
            s,
            actor(s, email, "payrun", role="finance"),
            debtor=settings.debtor(),
            version=version or settings.pain_version(),
            execution_date=when,
        )
        run = s.get(PaymentRun, result.run_id) if result.run_id else None
        xml = run.file if run else None
    _print_run(result)
    if xml and confirm:
        target = output or Path(f"{result.reference}.xml")
        target.write_bytes(xml)
        console.print(f"Fichier SEPA validé écrit dans {target}.")
    elif xml:
        console.print("Fichier SEPA construit et validé contre son XSD." + dry_run_note(confirm))
    else:
        console.print("Rien à payer : aucun relevé ni remboursement prêt.")


def _print_run(result: RunResult) -> None:
    count = len(result.included) + len(result.refunds)
    print_table(
        f"Virements inclus : {count} ({format_eur(result.total_cents)})",
        ["relevé ou avoir", "bénéficiaire", "montant"],
        [[p.number, p.structure_name, format_eur(p.total_cents)] for p in result.included]
        + [[r.number, r.funder_name, format_eur(r.total_cents)] for r in result.refunds],
    )
    if result.withheld or result.refunds_withheld:
        print_table(
            "Virements retenus",
            ["relevé ou avoir", "bénéficiaire", "montant", "motif"],
            [
                [p.number, p.structure_name, format_eur(p.total_cents), p.withheld_fr]
                for p in result.withheld
            ]
            + [
                [r.number, r.funder_name, format_eur(r.total_cents), r.withheld_fr]
                for r in result.refunds_withheld
            ],
        )


@payrun.command(
    "approve",
    help="Approuve le paiement d'un relevé (ou le remboursement d'un avoir AV-…) retenu "
    "(IBAN modifié récemment).",
)
@click.argument("number")
@click.option(
    "--as", "email", required=True, help="Adresse de la personne qui approuve (rôle finance)."
)
@CONFIRM
def payrun_approve(number: str, email: str, confirm: bool) -> None:
    from sqlalchemy import select

    from voucher.db.models import CreditNote, Statement
    from voucher.services.finance import payments, refunds

    with transaction(confirm) as s:
        who = actor(s, email, "payrun", role="finance")
        if number.upper().startswith("AV-"):
            found = s.scalar(select(CreditNote.id).where(CreditNote.number == number.upper()))
            count = refunds.approve(s, who, int(found or 0))
        else:
            found = s.scalar(select(Statement.id).where(Statement.number == number))
            count = payments.approve(s, who, int(found or 0))
    console.print(
        f"{number} : {count} approbation(s) sur {payments.APPROVALS_NEEDED}."
        + dry_run_note(confirm)
    )


@payrun.command("list", help="Liste les ordres de virement.")
@AS_FINANCE
def payrun_list(email: str | None) -> None:
    from voucher.services.finance import payments
    from voucher.services.finance.scope import finance_scope

    with transaction(confirm=False) as s:
        rows = payments.runs(s, finance_scope(s, actor(s, email, "payrun", role="finance")))
    print_table(
        "Ordres de virement",
        ["n°", "référence", "version", "exécution", "virements", "montant"],
        [
            [
                str(r.id),
                r.reference,
                r.pain_version,
                r.execution_date.isoformat(),
                str(r.transfer_count),
                format_eur(r.total_cents),
            ]
            for r in rows
        ],
    )


@payrun.command("file", help="Réécrit le fichier SEPA d'un ordre de virement.")
@click.argument("run_id", type=int)
@OUTPUT
@AS_FINANCE
def payrun_file(run_id: int, output: Path | None, email: str | None) -> None:
    from voucher.services.finance import payments
    from voucher.services.finance.scope import finance_scope

    with transaction(confirm=False) as s:
        scope = finance_scope(s, actor(s, email, "payrun", role="finance"))
        run = payments.get_run(s, scope, run_id)
    target = output or Path(f"{run.reference}.xml")
    target.write_bytes(run.file)
    console.print(f"Fichier écrit dans {target} (SHA-256 {run.sha256}).")
