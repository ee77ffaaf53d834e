"""``voucher fec`` and ``voucher trial-balance``: the accounts, for the accountant.

Both cover the whole journal, so only the operator's people may run them (``--as`` a
finance user of another organisation is refused with ``journal_scope``). Periods default
to the calendar year so far. The balance exits 2 when debits and credits differ (a broken
ledger: run ``voucher audit``). Nothing here writes to the database.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from voucher.cli.common import (
    AS_FINANCE,
    actor,
    console,
    err_console,
    print_table,
    refuse,
    transaction,
)
from voucher.domain import accounting as accounting_rules
from voucher.domain.errors import DomainError
from voucher.domain.money import format_eur

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from voucher.services.finance.accounting import Span, TrialLine


def _day(text: str | None, default: date) -> date:
    try:
        return date.fromisoformat(text) if text else default
    except ValueError:
        refuse(DomainError("invalid_dates"))


def _span(start: str | None, end: str | None) -> Span:
    from voucher.services.finance import accounting

    today = date.today()
    try:
        return accounting.Span(_day(start, date(today.year, 1, 1)), _day(end, today))
    except DomainError as exc:
        refuse(exc)


def _operator_only(s: Session, email: str | None) -> None:
    from voucher.services.finance.scope import finance_scope

    if not finance_scope(s, actor(s, email, "fec", role="finance")).everything:
        raise DomainError("journal_scope")


@click.command("fec", help="Exporte le Fichier des Écritures Comptables (et un XLSX avec --xlsx).")
@click.option("--from", "start", default=None, help="AAAA-MM-JJ (défaut : 1er janvier)")
@click.option("--to", "end", default=None, help="AAAA-MM-JJ inclus (défaut : aujourd'hui)")
@click.option("--separator", type=click.Choice(["pipe", "tab"]), default="pipe", show_default=True)
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."))
@click.option("--xlsx", is_flag=True, help="Écrit aussi le journal et la balance en XLSX.")
@AS_FINANCE
def fec(
    start: str | None,
    end: str | None,
    separator: str,
    output_dir: Path,
    xlsx: bool,
    email: str | None,
) -> None:
    from voucher.services.finance import accounting, settings

    span = _span(start, end)
    try:
        span.one_fiscal_year()
    except DomainError as exc:
        refuse(exc)
    mapping = settings.fec_mapping()
    with transaction(confirm=False) as s:
        _operator_only(s, email)
        name = accounting_rules.file_name(
            settings.siren_override() or accounting.operator_siren(s), span.last
        )
        output_dir.mkdir(parents=True, exist_ok=True)
        count = _write_fec(s, span, mapping, output_dir / f"{name}.txt", separator)
        if xlsx:
            _write_xlsx(s, span, mapping, output_dir / f"{name}.xlsx")
    console.print(
        f"{count} ligne(s) écrite(s) dans {output_dir / (name + '.txt')}"
        + (f" et {name}.xlsx" if xlsx else "")
        + "."
    )


def _write_fec(
    s: Session, span: Span, mapping: accounting_rules.Mapping, target: Path, separator: str
) -> int:
    """Write the FEC text file; the number of entry lines (the header is not counted)."""
    from voucher.documents import fec as fec_file
    from voucher.services.finance import accounting

    count = 0
    with target.open("w", encoding="utf-8", newline="") as out:
        for line in fec_file.lines(
            accounting.fec_rows(s, span, mapping), fec_file.SEPARATORS[separator]
        ):
            out.write(line)
            count += 1
    return count - 1


def _write_xlsx(s: Session, span: Span, mapping: accounting_rules.Mapping, target: Path) -> None:
    from voucher.documents import fec as fec_file
    from voucher.services.finance import accounting

    balance = [
        (t.account, t.number, t.label, t.opening, t.debit, t.credit, t.closing)
        for t in accounting.trial_balance(s, span, mapping)
    ]
    target.write_bytes(fec_file.xlsx(accounting.fec_rows(s, span, mapping), balance))


@click.command("trial-balance", help="Balance des comptes sur une période (débits = crédits).")
@click.option("--from", "start", default=None)
@click.option("--to", "end", default=None)
@AS_FINANCE
def trial_balance(start: str | None, end: str | None, email: str | None) -> None:
    from voucher.services.finance import accounting, settings

    span = _span(start, end)
    mapping = settings.fec_mapping()
    with transaction(confirm=False) as s:
        _operator_only(s, email)
        lines = accounting.trial_balance(s, span, mapping)
    totals = accounting.totals(lines)
    _print_balance(span, lines, totals)
    if totals["debit"] != totals["credit"]:
        err_console.print("[bold red]Débits et crédits diffèrent : lancez voucher audit.[/]")
        sys.exit(2)


def _print_balance(span: Span, lines: list[TrialLine], t: dict[str, Any]) -> None:
    print_table(
        f"Balance du {span.first:%d/%m/%Y} au {span.last:%d/%m/%Y}",
        ["compte", "pour", "n°", "ouverture", "débit", "crédit", "clôture"],
        [
            [
                x.account,
                x.owner,
                x.number,
                format_eur(x.opening),
                format_eur(x.debit),
                format_eur(x.credit),
                format_eur(x.closing),
            ]
            for x in lines
        ]
        + [
            [
                "Total",
                "",
                "",
                format_eur(t["opening"]),
                format_eur(t["debit"]),
                format_eur(t["credit"]),
                format_eur(t["closing"]),
            ]
        ],
    )
