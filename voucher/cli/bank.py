"""``voucher camt import|confirm|reconcile|link-funds``: what the bank says was paid
(camt.053 / camt.054), the reconciliation, and a funder's incoming transfer linked to its
funds received.

Both are dry runs unless ``--confirm`` is given. A bank file is applied once: importing it
again changes nothing and says so. A rejected or returned transfer puts its statement back
in line for the next payment run.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from voucher.cli.common import (
    AS_FINANCE,
    CONFIRM,
    actor,
    console,
    dry_run_note,
    err_console,
    print_table,
    transaction,
)
from voucher.domain import finance
from voucher.domain.money import format_eur

if TYPE_CHECKING:
    from voucher.services.finance.settlement import Applied


@click.group("camt", help="Relevés bancaires camt.053 / camt.054.")
def camt_group() -> None:
    pass


@camt_group.command("import", help="Rapproche un relevé bancaire ; simulation sans --confirm.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@CONFIRM
@AS_FINANCE
def camt_import(path: Path, confirm: bool, email: str | None) -> None:
    from voucher.services.finance import settlement

    data = path.read_bytes()
    with transaction(confirm) as s:
        who = actor(s, email, "camt", role="finance")
        imp = settlement.import_file(s, who, data, path.name)
        lines = list(imp.lines)
        done = settlement.apply_import(s, who, imp.id) if imp.status == "pending" else None
    _print_lines(lines)
    if done is None:
        console.print("Ce relevé a déjà été pris en compte : rien n'a changé.")
        return
    _print_applied(done, confirm)


def _print_lines(lines: list[dict[str, Any]]) -> None:
    print_table(
        f"{len(lines)} ligne(s) lue(s)",
        [
            "ligne",
            "date",
            "sens",
            "montant",
            "contrepartie",
            "réf. banque",
            "référence",
            "relevé",
            "résultat",
        ],
        [
            [
                str(r["index"] + 1),
                r["booking_date"] or "",
                "sortie" if r.get("direction") == "DBIT" else "entrée",
                format_eur(r["amount_cents"]),
                r.get("counterparty") or "",
                r.get("reference") or "",
                r["end_to_end_id"] or r.get("info") or "",
                r["statement"] or "",
                finance.MATCH_FR[r["outcome"]] + (f" ({r['note']})" if r.get("note") else ""),
            ]
            for r in lines
        ],
    )


def _print_applied(done: Applied, confirm: bool) -> None:
    for number, reason in done.rejected + done.returned:
        err_console.print(
            f"[bold red]Virement rejeté[/] relevé {number} : {reason} — repassera au prochain ordre."
        )
    console.print(
        f"{len(done.paid)} payé(s), {len(done.rejected)} rejeté(s), {len(done.returned)} retourné(s), "
        f"{len(done.unmatched)} ligne(s) non rapprochée(s)." + dry_run_note(confirm)
    )


@camt_group.command("confirm", help="Confirme à la main un virement (payé ou rejeté).")
@click.argument("end_to_end_id")
@click.option("--outcome", type=click.Choice(["paid", "rejected"]), required=True)
@click.option("--reason", default=None)
@CONFIRM
@AS_FINANCE
def camt_confirm(
    end_to_end_id: str, outcome: str, reason: str | None, confirm: bool, email: str | None
) -> None:
    from sqlalchemy import select

    from voucher.db.models import PaymentTransfer
    from voucher.services.finance import settlement

    with transaction(confirm) as s:
        tid = s.scalar(
            select(PaymentTransfer.id).where(PaymentTransfer.end_to_end_id == end_to_end_id)
        )
        who = actor(s, email, "camt", role="finance")
        settlement.confirm(s, who, int(tid or 0), outcome, reason=reason)
    console.print(
        f"Virement {end_to_end_id} : {finance.TRANSFER_STATUS_FR[outcome]}." + dry_run_note(confirm)
    )


@camt_group.command(
    "reconcile", help="Rapprochement : solde de la banque, solde des livres, écart expliqué."
)
@click.option("--import", "import_id", type=int, default=None, help="Relevé (défaut : le dernier).")
def camt_reconcile(import_id: int | None) -> None:
    from voucher.services.finance import reconciliation

    with transaction(False) as s:
        rec = reconciliation.reconcile(s, import_id)
        groups = [
            ("Entrées non rapprochées", rec.unmatched_in),
            ("Sorties non rapprochées", rec.unmatched_out),
            ("Frais bancaires", rec.fees),
            ("Lignes rapprochées de ce relevé", rec.matched),
        ]
        tables = [
            (
                f"{title} ({len(items)})",
                [
                    [
                        str(m.id),
                        m.booking_date.isoformat() if m.booking_date else "",
                        "entrée" if m.direction == "CRDT" else "sortie",
                        format_eur(m.amount_cents),
                        m.counterparty or "",
                        m.reference or "",
                        m.end_to_end_id or "",
                        finance.MATCH_FR.get(m.outcome, m.outcome),
                    ]
                    for m in items
                ],
            )
            for title, items in groups
        ]
    console.print(
        f"Rapprochement au {rec.day.strftime('%d/%m/%Y')}, relevé {rec.statement_ref or rec.filename}"
    )
    console.print(f"Solde de la banque : {format_eur(rec.bank_cents)}")
    console.print(f"Compte banque dans les livres : {format_eur(rec.books_cents)}")
    console.print(f"Écart (banque − livres) : {format_eur(rec.difference)}")
    console.print(f"Expliqué par les lignes absentes des livres : {format_eur(rec.explained)}")
    console.print(f"Écart non expliqué : {format_eur(rec.unexplained)}")
    for title, rows in tables:
        print_table(
            title,
            [
                "ligne",
                "date",
                "sens",
                "montant",
                "contrepartie",
                "référence bancaire",
                "bout en bout",
                "résultat",
            ],
            rows,
        )


@camt_group.command(
    "link-funds",
    help="Rattache une entrée non rapprochée (virement d'un financeur) à ses fonds reçus ; "
    "simulation sans --confirm.",
)
@click.argument("line_id", type=int)
@click.option("--programme", "programme_id", type=int, default=None)
@click.option("--funder", "funder_id", type=int, default=None)
@click.option("--funds", "funds_id", type=int, default=None, help="Versement déjà saisi.")
@CONFIRM
@AS_FINANCE
def camt_link_funds(
    line_id: int,
    programme_id: int | None,
    funder_id: int | None,
    funds_id: int | None,
    confirm: bool,
    email: str | None,
) -> None:
    from voucher.services.finance import reconciliation

    with transaction(confirm) as s:
        funds = reconciliation.link_funds(
            s,
            actor(s, email, "camt", role="finance"),
            line_id,
            programme_id=programme_id,
            funder_id=funder_id,
            funds_id=funds_id,
        )
        said = (
            f"Ligne {line_id} rattachée aux fonds reçus n° {funds.id} "
            f"({format_eur(funds.amount_cents)}, dispositif {funds.programme_id}, "
            f"financeur {funds.funder_id})."
        )
    console.print(said + dry_run_note(confirm))
