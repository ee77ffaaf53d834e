"""``voucher invoices quote|issue|list|pdf|statement``: funders' own documents.

``quote`` and ``issue`` are dry runs unless ``--confirm`` is given; issuing twice for a batch
issues nothing more. Invoices are written as Factur-X, quotes and statements as PDF/A-3,
statements also as XLSX. ``--as EMAIL`` acts as a finance user (their scope).
"""

from __future__ import annotations

from pathlib import Path

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


@click.group("invoices", help="Devis, factures et relevés périodiques des financeurs.")
def invoices_group() -> None:
    pass


SERVICE = click.option(
    "--service", default=None, help="code service de l'acheteur public (Chorus Pro, BT-10)"
)
ORDER = click.option(
    "--engagement", default=None, help="n° d'engagement juridique (bon de commande, BT-13)"
)


def _issue(
    kind: str,
    batch_id: int,
    confirm: bool,
    email: str | None,
    service: str | None = None,
    engagement: str | None = None,
) -> None:
    from voucher.services.finance import funder_invoices

    with transaction(confirm) as s:
        docs = funder_invoices.issue(
            s,
            actor(s, email, "invoices", role="finance"),
            batch_id,
            kind,
            buyer_reference=service,
            buyer_order=engagement,
        )
        made = [(d.number, d.amount_cents) for d in docs]
    if not made:
        console.print("Rien de nouveau : ce lot a déjà ses documents.")
        return
    print_table("Documents", ["n°", "montant"], [[n, format_eur(c)] for n, c in made])
    console.print(f"{len(made)} document(s)." + dry_run_note(confirm))


@invoices_group.command(
    "quote", help="Devis d'un lot, un par financeur ; simulation sans --confirm."
)
@click.option("--batch", "batch_id", type=int, required=True)
@SERVICE
@ORDER
@CONFIRM
@AS_FINANCE
def quote(
    batch_id: int, service: str | None, engagement: str | None, confirm: bool, email: str | None
) -> None:
    _issue("quote", batch_id, confirm, email, service, engagement)


@invoices_group.command(
    "issue", help="Factures d'un lot, une par financeur ; simulation sans --confirm."
)
@click.option("--batch", "batch_id", type=int, required=True)
@SERVICE
@ORDER
@CONFIRM
@AS_FINANCE
def issue(
    batch_id: int, service: str | None, engagement: str | None, confirm: bool, email: str | None
) -> None:
    _issue("invoice", batch_id, confirm, email, service, engagement)


@invoices_group.command("list", help="Devis et factures, avec ce qui est payé.")
@click.option("--funder", "funder_id", type=int, default=None)
@AS_FINANCE
def list_documents(funder_id: int | None, email: str | None) -> None:
    from voucher.services.finance import funder_invoices
    from voucher.services.finance.scope import finance_scope

    with transaction(confirm=False) as s:
        scope = finance_scope(s, actor(s, email, "invoices", role="finance"))
        found = funder_invoices.rows(s, scope, funder_id=funder_id)
    print_table(
        "Documents des financeurs",
        ["n°", "lot", "dispositif", "financeur", "montant", "payé", "état"],
        [
            [
                r.document.number,
                str(r.document.batch_id),
                r.programme,
                r.funder,
                format_eur(r.document.amount_cents),
                format_eur(r.paid_cents) if r.document.kind == "invoice" else "",
                r.state_fr,
            ]
            for r in found
        ],
    )


@invoices_group.command("pdf", help="Écrit un devis (PDF/A-3) ou une facture (Factur-X).")
@click.argument("number")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
@AS_FINANCE
def pdf(number: str, output: Path | None, email: str | None) -> None:
    from voucher.services.finance import funder_files, funder_invoices
    from voucher.services.finance.scope import finance_scope

    with transaction(confirm=False) as s:
        scope = finance_scope(s, actor(s, email, "invoices", role="finance"))
        document = funder_files.order_file(s, funder_invoices.find(s, scope, number))
    target = output or Path(f"{number}.pdf")
    target.write_bytes(document)
    console.print(f"{number} écrit dans {target}.")


@invoices_group.command("statement", help="Relevé périodique d'un financeur pour un dispositif.")
@click.option("--funder", "funder_id", type=int, required=True)
@click.option("--programme", "programme_id", type=int, required=True)
@click.option("--from", "first", required=True, help="AAAA-MM-JJ")
@click.option("--to", "last", required=True, help="AAAA-MM-JJ")
@click.option("--xlsx", is_flag=True, help="XLSX au lieu du PDF/A-3.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
@AS_FINANCE
def statement(
    funder_id: int,
    programme_id: int,
    first: str,
    last: str,
    xlsx: bool,
    output: Path | None,
    email: str | None,
) -> None:
    from voucher.domain.calendar import utcnow
    from voucher.services.finance import funder_files, funder_statement
    from voucher.services.finance.scope import finance_scope

    with transaction(confirm=False) as s:
        a, b = funder_statement.parse_period(first, last)
        scope = finance_scope(s, actor(s, email, "invoices", role="finance"))
        st = funder_statement.build(s, scope, funder_id, programme_id, a, b)
        body = (
            funder_files.statement_xlsx(st) if xlsx else funder_files.statement_file(st, utcnow())
        )
    print_table(
        f"{st.funder_name} — {st.programme_name} — {a.isoformat()} au {b.isoformat()}",
        ["", "période", "cumul / solde", "part période", "part cumul"],
        [
            [
                x.label,
                "—" if x.period_cents is None else format_eur(x.period_cents),
                format_eur(x.to_date_cents),
                "—" if x.share_period_cents is None else format_eur(x.share_period_cents),
                format_eur(x.share_to_date_cents),
            ]
            for x in st.figures
        ],
    )
    target = output or Path(
        f"releve-financeur-{funder_id}-{programme_id}-{a}-{b}.{'xlsx' if xlsx else 'pdf'}"
    )
    target.write_bytes(body)
    console.print(f"Relevé écrit dans {target}.")
