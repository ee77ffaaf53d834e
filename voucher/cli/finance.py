"""Finance commands for people and cron: ``close``, ``statements``, ``payrun``, ``camt``,
``fec``, ``trial-balance``, ``credit-notes``.

Everything that changes the ledger is a dry run unless ``--confirm`` is given: the work is
done in a transaction that is then rolled back, so the dry run shows exactly what would
happen (and checks the SEPA file against its XSD). ``--as EMAIL`` acts as a finance user
(their scope, their name in the audit); without it the command acts for the operator.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click
from rich.table import Table
from sqlalchemy import select
from sqlalchemy.orm import Session

from voucher.cli.main import console, engine, err_console, progress_bar
from voucher.db.models import PaymentRun, PaymentTransfer, RoleGrant, Statement, User
from voucher.documents import fec as fec_file
from voucher.documents.statement_pdf import statement_pdf
from voucher.domain import accounting as accounting_rules
from voucher.domain import finance
from voucher.domain.errors import DomainError
from voucher.domain.money import format_eur
from voucher.services.context import Actor, cli_actor
from voucher.services.finance import accounting, payments, settlement, statements
from voucher.services.finance import close as month_close
from voucher.services.finance.numbering import finance_scope
from voucher.web.finance import settings

T = TypeVar("T")
CONFIRM = click.option(
    "--confirm", is_flag=True, help="Enregistre réellement (sinon : simulation)."
)
AS = click.option(
    "--as", "email", default=None, help="Agir en tant que cette personne (rôle finance)."
)


def _refuse(exc: DomainError) -> None:
    err_console.print(f"[bold red]Refusé[/] ({exc.code}) : {exc.message}")
    sys.exit(1)


def _actor(session: Session, email: str | None, name: str) -> Actor:
    if not email:
        return cli_actor(name)
    user = session.scalars(select(User).where(User.email == email.strip().lower())).first()
    grant = None
    if user is not None and user.active:
        grant = session.scalars(
            select(RoleGrant).where(RoleGrant.user_id == user.id, RoleGrant.role == "finance")
        ).first()
    if user is None or grant is None:
        _refuse(
            DomainError("forbidden", "Aucun compte actif avec un rôle finance à cette adresse.")
        )
        raise SystemExit(1)
    return Actor(
        label=f"{user.email} (ligne de commande)",
        user_id=user.id,
        organisation_id=grant.organisation_id,
        role="finance",
    )


@contextmanager
def _work(confirm: bool) -> Iterator[Session]:
    """One transaction, committed with ``--confirm``, rolled back otherwise."""
    eng = engine()
    try:
        with Session(eng, expire_on_commit=False) as session:
            with session.begin():
                yield session
                if not confirm:
                    session.expunge_all()  # keep what was read, undo what was written
                    session.rollback()
    except DomainError as exc:
        _refuse(exc)
    finally:
        eng.dispose()


def _run(confirm: bool, job: Callable[[Session], T]) -> T:
    with _work(confirm) as session:
        return job(session)


def _said(confirm: bool) -> str:
    return "" if confirm else " [yellow](simulation : relancez avec --confirm pour enregistrer)[/]"


def _table(title: str, columns: list[str], rows: list[list[str]]) -> None:
    table = Table(title=title)
    for col in columns:
        table.add_column(col)
    for row in rows:
        table.add_row(*row)
    console.print(table)


def _day(text: str | None, default: date) -> date:
    try:
        return date.fromisoformat(text) if text else default
    except ValueError:
        _refuse(DomainError("invalid_dates"))
        raise


# --- close -------------------------------------------------------------------------


def _close(month: str, confirm: bool, email: str | None) -> None:
    try:
        period = finance.Period.parse(month)
    except DomainError as exc:
        _refuse(exc)
        return
    with progress_bar() as bar:
        task = bar.add_task(f"Clôture de {period.label}", total=len(month_close.STEPS))

        def job(s: Session) -> month_close.CloseResult:
            return month_close.close_month(
                s,
                _actor(s, email, "close"),
                period,
                progress=lambda step: bar.update(task, advance=1, description=step),
            )

        result = _run(confirm, job)
        bar.update(task, completed=len(month_close.STEPS))
    _table(
        f"Relevés de {period.label} : {len(result.created)} nouveau(x), {len(result.statements)} au total",
        ["n°", "lieu", "chèques", "montant", "état"],
        [
            [
                s.number,
                s.structure_name,
                str(s.line_count),
                format_eur(s.total_cents),
                finance.STATEMENT_STATUS_FR[s.status],
            ]
            for s in result.statements
        ],
    )
    if result.blocked:
        _table(
            "Lieux bloqués (repris à une prochaine clôture)",
            ["lieu", "motif", "chèques", "montant"],
            [
                [b.name, b.reason_fr, str(b.count), format_eur(b.total_cents)]
                for b in result.blocked
            ],
        )
    console.print(f"Empreinte du journal : {result.journal_hash}" + _said(confirm))


@click.command(
    "close", help="Clôture un mois (relevés numérotés sans trou) ; simulation sans --confirm."
)
@click.option("--month", required=True, help="Mois à clôturer, AAAA-MM (heure de Paris).")
@CONFIRM
@AS
def close(month: str, confirm: bool, email: str | None) -> None:
    _close(month, confirm, email)


@click.command(
    "close-month", help="Comme « close --month » : voucher close-month 2026-10 [--confirm]."
)
@click.argument("month")
@CONFIRM
@AS
def close_month_cmd(month: str, confirm: bool, email: str | None) -> None:
    _close(month, confirm, email)


# --- statements --------------------------------------------------------------------


@click.group("statements", help="Relevés de remboursement.")
def statements_group() -> None:
    pass


@statements_group.command("list", help="Liste les relevés.")
@click.option("--month", default=None, help="AAAA-MM")
@click.option("--status", default=None, type=click.Choice(list(finance.STATEMENT_STATUSES)))
@AS
def statements_list(month: str | None, status: str | None, email: str | None) -> None:
    rows = _run(
        False,
        lambda s: statements.list_statements(
            s, finance_scope(s, _actor(s, email, "statements")), period=month, status=status
        ),
    )
    _table(
        f"{len(rows)} relevé(s)",
        ["n°", "mois", "lieu", "chèques", "montant", "état"],
        [
            [
                r.number,
                r.period,
                r.structure_name,
                str(r.line_count),
                format_eur(r.total_cents),
                r.status_fr,
            ]
            for r in rows
        ],
    )


@statements_group.command("pdf", help="Écrit le PDF d'un relevé.")
@click.argument("number")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
@AS
def statements_pdf(number: str, output: Path | None, email: str | None) -> None:
    def job(s: Session) -> bytes:
        found = s.scalar(select(Statement.id).where(Statement.number == number))
        st = statements.find(s, finance_scope(s, _actor(s, email, "statements")), int(found or 0))
        return statement_pdf(statements.document(s, st))

    target = output or Path(f"releve-{number}.pdf")
    target.write_bytes(_run(False, job))
    console.print(f"Relevé {number} écrit dans {target}.")


# --- payment runs ------------------------------------------------------------------


@click.group("payrun", help="Ordres de virement SEPA (pain.001).")
def payrun() -> None:
    pass


@payrun.command("create", help="Prépare un ordre de virement ; simulation sans --confirm.")
@click.option("--version", "version", default=None, help="pain.001.001.03 ou pain.001.001.09")
@click.option("--execution-date", default=None, help="AAAA-MM-JJ (défaut : demain)")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
@CONFIRM
@AS
def payrun_create(
    version: str | None,
    execution_date: str | None,
    output: Path | None,
    confirm: bool,
    email: str | None,
) -> None:
    when = date.fromisoformat(execution_date) if execution_date else None

    def job(s: Session) -> tuple[payments.RunResult, bytes | None]:
        result = payments.create_run(
            s,
            _actor(s, email, "payrun"),
            debtor=settings.debtor(),
            version=version or settings.pain_version(),
            execution_date=when,
        )
        run = s.get(PaymentRun, result.run_id) if result.run_id else None
        return result, run.file if run else None

    try:
        result, xml = _run(confirm, job)
    except DomainError as exc:
        _refuse(exc)
        return
    _table(
        f"Virements inclus : {len(result.included)} ({format_eur(result.total_cents)})",
        ["relevé", "lieu", "montant"],
        [[p.number, p.structure_name, format_eur(p.total_cents)] for p in result.included],
    )
    if result.withheld:
        _table(
            "Virements retenus",
            ["relevé", "lieu", "montant", "motif"],
            [
                [p.number, p.structure_name, format_eur(p.total_cents), p.withheld_fr]
                for p in result.withheld
            ],
        )
    if xml and confirm:
        target = output or Path(f"{result.reference}.xml")
        target.write_bytes(xml)
        console.print(f"Fichier SEPA validé écrit dans {target}.")
    elif xml:
        console.print("Fichier SEPA construit et validé contre son XSD." + _said(confirm))
    else:
        console.print("Rien à payer : aucun relevé prêt.")


@payrun.command("approve", help="Approuve le paiement d'un relevé retenu (IBAN modifié récemment).")
@click.argument("number")
@click.option(
    "--as", "email", required=True, help="Adresse de la personne qui approuve (rôle finance)."
)
@CONFIRM
def payrun_approve(number: str, email: str, confirm: bool) -> None:
    def job(s: Session) -> int:
        found = s.scalar(select(Statement.id).where(Statement.number == number))
        return payments.approve(s, _actor(s, email, "payrun"), int(found or 0))

    count = _run(confirm, job)
    console.print(
        f"Relevé {number} : {count} approbation(s) sur {payments.APPROVALS_NEEDED}."
        + _said(confirm)
    )


@payrun.command("list", help="Liste les ordres de virement.")
@AS
def payrun_list(email: str | None) -> None:
    rows = _run(False, lambda s: payments.runs(s, finance_scope(s, _actor(s, email, "payrun"))))
    _table(
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
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
@AS
def payrun_file(run_id: int, output: Path | None, email: str | None) -> None:
    run = _run(
        False, lambda s: payments.get_run(s, finance_scope(s, _actor(s, email, "payrun")), run_id)
    )
    target = output or Path(f"{run.reference}.xml")
    target.write_bytes(run.file)
    console.print(f"Fichier écrit dans {target} (SHA-256 {run.sha256}).")


# --- bank --------------------------------------------------------------------------


@click.group("camt", help="Relevés bancaires camt.053 / camt.054.")
def camt_group() -> None:
    pass


@camt_group.command("import", help="Rapproche un relevé bancaire ; simulation sans --confirm.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@CONFIRM
@AS
def camt_import(path: Path, confirm: bool, email: str | None) -> None:
    data = path.read_bytes()

    def job(s: Session) -> tuple[list[dict[str, Any]], settlement.Applied | None]:
        actor = _actor(s, email, "camt")
        imp = settlement.import_file(s, actor, data, path.name)
        lines = list(imp.lines)
        return lines, (
            settlement.apply_import(s, actor, imp.id) if imp.status == "pending" else None
        )

    lines, done = _run(confirm, job)
    _table(
        f"{len(lines)} ligne(s) lue(s)",
        ["ligne", "date", "montant", "référence", "relevé", "résultat"],
        [
            [
                str(r["index"] + 1),
                r["booking_date"] or "",
                format_eur(r["amount_cents"]),
                r["end_to_end_id"] or "",
                r["statement"] or "",
                finance.MATCH_FR[r["outcome"]] + (f" ({r['note']})" if r.get("note") else ""),
            ]
            for r in lines
        ],
    )
    if done is None:
        console.print("Ce relevé a déjà été pris en compte : rien n'a changé.")
        return
    for number, reason in done.rejected + done.returned:
        err_console.print(
            f"[bold red]Virement rejeté[/] relevé {number} : {reason} — repassera au prochain ordre."
        )
    console.print(
        f"{len(done.paid)} payé(s), {len(done.rejected)} rejeté(s), {len(done.returned)} retourné(s), "
        f"{len(done.unmatched)} ligne(s) non rapprochée(s)." + _said(confirm)
    )


@camt_group.command("confirm", help="Confirme à la main un virement (payé ou rejeté).")
@click.argument("end_to_end_id")
@click.option("--outcome", type=click.Choice(["paid", "rejected"]), required=True)
@click.option("--reason", default=None)
@CONFIRM
@AS
def camt_confirm(
    end_to_end_id: str, outcome: str, reason: str | None, confirm: bool, email: str | None
) -> None:
    def job(s: Session) -> None:
        tid = s.scalar(
            select(PaymentTransfer.id).where(PaymentTransfer.end_to_end_id == end_to_end_id)
        )
        settlement.confirm(s, _actor(s, email, "camt"), int(tid or 0), outcome, reason=reason)

    _run(confirm, job)
    console.print(
        f"Virement {end_to_end_id} : {finance.TRANSFER_STATUS_FR[outcome]}." + _said(confirm)
    )


# --- accounting --------------------------------------------------------------------


def _span(start: str | None, end: str | None) -> accounting.Span:
    today = date.today()
    try:
        return accounting.Span(_day(start, date(today.year, 1, 1)), _day(end, today))
    except DomainError as exc:
        _refuse(exc)
        raise


def _operator_only(s: Session, email: str | None) -> None:
    if not finance_scope(s, _actor(s, email, "fec")).everything:
        raise DomainError("journal_scope")


@click.command("fec", help="Exporte le Fichier des Écritures Comptables (et un XLSX avec --xlsx).")
@click.option("--from", "start", default=None, help="AAAA-MM-JJ (défaut : 1er janvier)")
@click.option("--to", "end", default=None, help="AAAA-MM-JJ inclus (défaut : aujourd'hui)")
@click.option("--separator", type=click.Choice(["pipe", "tab"]), default="pipe", show_default=True)
@click.option("--output-dir", type=click.Path(file_okay=False, path_type=Path), default=Path("."))
@click.option("--xlsx", is_flag=True, help="Écrit aussi le journal et la balance en XLSX.")
@AS
def fec(
    start: str | None,
    end: str | None,
    separator: str,
    output_dir: Path,
    xlsx: bool,
    email: str | None,
) -> None:
    span = _span(start, end)
    mapping = settings.fec_mapping()

    def job(s: Session) -> tuple[str, int]:
        _operator_only(s, email)
        name = accounting_rules.file_name(
            settings.siren_override() or accounting.operator_siren(s), span.last
        )
        output_dir.mkdir(parents=True, exist_ok=True)
        count = 0
        with (output_dir / f"{name}.txt").open("w", encoding="utf-8", newline="") as out:
            for line in fec_file.lines(
                accounting.fec_rows(s, span, mapping), fec_file.SEPARATORS[separator]
            ):
                out.write(line)
                count += 1
        if xlsx:
            balance = [
                (t.account, t.number, t.label, t.opening, t.debit, t.credit, t.closing)
                for t in accounting.trial_balance(s, span, mapping)
            ]
            (output_dir / f"{name}.xlsx").write_bytes(
                fec_file.xlsx(accounting.fec_rows(s, span, mapping), balance)
            )
        return name, count - 1

    name, count = _run(False, job)
    console.print(
        f"{count} ligne(s) écrite(s) dans {output_dir / (name + '.txt')}"
        + (f" et {name}.xlsx" if xlsx else "")
        + "."
    )


@click.command("trial-balance", help="Balance des comptes sur une période (débits = crédits).")
@click.option("--from", "start", default=None)
@click.option("--to", "end", default=None)
@AS
def trial_balance(start: str | None, end: str | None, email: str | None) -> None:
    span = _span(start, end)
    mapping = settings.fec_mapping()

    def job(s: Session) -> list[accounting.TrialLine]:
        _operator_only(s, email)
        return accounting.trial_balance(s, span, mapping)

    lines = _run(False, job)
    t = accounting.totals(lines)
    _table(
        f"Balance du {span.first:%d/%m/%Y} au {span.last:%d/%m/%Y}",
        ["compte", "n°", "ouverture", "débit", "crédit", "clôture"],
        [
            [
                x.account,
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
                format_eur(t["opening"]),
                format_eur(t["debit"]),
                format_eur(t["credit"]),
                format_eur(t["closing"]),
            ]
        ],
    )
    if t["debit"] != t["credit"]:
        err_console.print("[bold red]Débits et crédits diffèrent : lancez voucher audit.[/]")
        sys.exit(2)


def register(main: click.Group) -> None:
    from voucher.cli.credit_notes import credit_notes_group

    for command in (
        close,
        close_month_cmd,
        statements_group,
        payrun,
        camt_group,
        fec,
        trial_balance,
        credit_notes_group,
    ):
        main.add_command(command)
