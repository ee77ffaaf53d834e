"""``voucher invoices``: dry runs change nothing, ``--confirm`` issues once, funds are
recorded against an invoice with ``voucher funds --invoice``, files land where asked."""

from __future__ import annotations

import io

from click.testing import CliRunner
from lxml import etree
from openpyxl import load_workbook
from sqlalchemy import func, select

from tests import factories as f
from tests.services.finance.test_funder_documents import check_facturx
from voucher.cli.main import main
from voucher.db.engine import unit_of_work
from voucher.db.models import FunderDocument, FundsReceived


def test_quote_invoice_pay_and_statement_from_the_command_line(fresh_engine, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("VOUCHER_INSTANCE", str(tmp_path))
    with unit_of_work(fresh_engine) as s:
        w = f.world(s, books=3, activate=False)
        batch, programme, funder = w.batch.id, w.programme.id, w.funder_a.id
    run = CliRunner(env={"COLUMNS": "250"})
    dry = run.invoke(main, ["invoices", "issue", "--batch", str(batch)])
    assert dry.exit_code == 0 and "simulation" in dry.output, dry.output
    with unit_of_work(fresh_engine) as s:
        assert s.scalar(select(func.count()).select_from(FunderDocument)) == 0
    assert (
        run.invoke(main, ["invoices", "quote", "--batch", str(batch), "--confirm"]).exit_code == 0
    )
    made = run.invoke(
        main, ["invoices", "issue", "--batch", str(batch), "--service", "SERV-1", "--confirm"]
    )
    assert made.exit_code == 0, made.output
    again = run.invoke(main, ["invoices", "issue", "--batch", str(batch), "--confirm"])
    assert "Rien de nouveau" in again.output
    with unit_of_work(fresh_engine) as s:
        number = s.scalar(
            select(FunderDocument.number).where(
                FunderDocument.kind == "invoice", FunderDocument.funder_id == funder
            )
        )
    paid = run.invoke(
        main,
        [
            "funds",
            "--programme",
            str(programme),
            "--funder",
            str(funder),
            "--amount",
            "100,00",
            "--invoice",
            number,
        ],
    )
    assert paid.exit_code == 0 and number in paid.output, paid.output
    over = run.invoke(
        main,
        [
            "funds",
            "--programme",
            str(programme),
            "--funder",
            str(funder),
            "--amount",
            "60,00",
            "--invoice",
            number,
        ],
    )
    assert over.exit_code == 1 and "invoice_overpaid" in over.output
    with unit_of_work(fresh_engine) as s:
        assert s.scalar(select(func.count()).select_from(FundsReceived)) == 1
    listed = run.invoke(main, ["invoices", "list"])
    assert "partiellement payée" in listed.output and "100,00" in listed.output
    out = tmp_path / "facture.pdf"
    assert run.invoke(main, ["invoices", "pdf", number, "-o", str(out)]).exit_code == 0
    root = check_facturx(out.read_bytes(), number, "150,00 €")
    assert "SERV-1" in etree.tostring(root).decode()
    xlsx = tmp_path / "releve.xlsx"
    st = run.invoke(
        main,
        [
            "invoices",
            "statement",
            "--funder",
            str(funder),
            "--programme",
            str(programme),
            "--from",
            "2020-01-01",
            "--to",
            "2099-12-31",
            "--xlsx",
            "-o",
            str(xlsx),
        ],
    )
    assert st.exit_code == 0, st.output
    rows = {
        r[0]: r
        for r in load_workbook(io.BytesIO(xlsx.read_bytes()))["Relevé"].iter_rows(
            min_row=8, values_only=True
        )
    }
    assert float(rows["received"][4]) == 100.0
    bad = run.invoke(
        main,
        [
            "invoices",
            "statement",
            "--funder",
            str(funder),
            "--programme",
            str(programme),
            "--from",
            "2026-13-01",
            "--to",
            "2026-12-31",
        ],
    )
    assert bad.exit_code == 1 and "invalid_statement_period" in bad.output
