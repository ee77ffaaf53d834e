"""The finance commands: dry runs change nothing, ``--confirm`` writes once, refusals exit
non-zero with a French message, files land where asked."""

from __future__ import annotations

from click.testing import CliRunner
from sqlalchemy import func, select

from tests.documents import camt_files as cf
from tests.services.finance import finance_world as fw
from voucher.cli.main import main
from voucher.db.engine import unit_of_work
from voucher.db.models import BankImport, PaymentRun, PaymentTransfer, Statement, User
from voucher.documents import fec, sepa


def statements(engine) -> int:
    with unit_of_work(engine) as s:
        return int(s.scalar(select(func.count()).select_from(Statement)))


def test_close_pay_settle_and_export_from_the_command_line(fresh_engine, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("VOUCHER_INSTANCE", str(tmp_path))
    with unit_of_work(fresh_engine) as s:
        w = fw.world(s, structures=2, banked=1)
        fw.scan(s, w, fw.paris(2026, 3, 3))
        fw.scan(s, w, fw.paris(2026, 3, 4), structure=1)
        accountant = fw.person(s, fw.operator(s))
        email = s.get(User, accountant.user_id).email
    run = CliRunner()
    dry = run.invoke(main, ["close", "--month", "2026-03"])
    assert dry.exit_code == 0, dry.output
    assert "simulation" in dry.output and "aucune coordonnée bancaire" in dry.output
    assert statements(fresh_engine) == 0
    assert run.invoke(main, ["close-month", "2026-03", "--confirm", "--as", email]).exit_code == 0
    assert run.invoke(main, ["close", "--month", "2026-03", "--confirm"]).exit_code == 0
    assert statements(fresh_engine) == 1
    bad = run.invoke(main, ["close", "--month", "2026-13"])
    assert bad.exit_code == 1 and "invalid_period" in bad.output

    out = tmp_path / "virements.xml"
    assert run.invoke(main, ["payrun", "create", "--version", "pain.001.001.03"]).exit_code == 0
    made = run.invoke(
        main, ["payrun", "create", "--version", "pain.001.001.03", "--confirm", "-o", str(out)]
    )
    assert made.exit_code == 0, made.output
    assert sepa.validate(out.read_bytes(), "pain.001.001.03") == []
    assert "Rien à payer" in run.invoke(main, ["payrun", "create", "--confirm"]).output
    with unit_of_work(fresh_engine) as s:
        t = s.scalars(select(PaymentTransfer)).one()
        assert s.scalar(select(func.count()).select_from(PaymentRun)) == 1
    bank = tmp_path / "releve.xml"
    gift = cf.Line(5_000, "CRDT", info="DON", party="Fondation Amie", ref="BQREF42")
    bank.write_bytes(cf.camt053([cf.Line(t.amount_cents, e2e=t.end_to_end_id, iban=t.iban), gift]))
    simulated = run.invoke(main, ["camt", "import", str(bank)], env={"COLUMNS": "250"})
    assert "simulation" in simulated.output
    assert all(w in simulated.output for w in ("entrée", "Fondation Amie", "BQREF42"))
    with unit_of_work(fresh_engine) as s:
        assert s.scalar(select(func.count()).select_from(BankImport)) == 0
    applied = run.invoke(main, ["camt", "import", str(bank), "--confirm"])
    assert applied.exit_code == 0 and "1 payé(s)" in applied.output
    with unit_of_work(fresh_engine) as s:
        assert s.scalars(select(Statement.status)).one() == "paid"

    exported = run.invoke(
        main,
        [
            "fec",
            "--from",
            "2026-01-01",
            "--to",
            "2026-12-31",
            "--output-dir",
            str(tmp_path),
            "--xlsx",
        ],
    )
    assert exported.exit_code == 0, exported.output
    (text_file,) = tmp_path.glob("*FEC20261231.txt")
    assert (
        fec.read(text_file.read_text(encoding="utf-8"))
        and (tmp_path / (text_file.stem + ".xlsx")).exists()
    )
    balance = run.invoke(main, ["trial-balance", "--from", "2026-01-01", "--to", "2026-12-31"])
    assert balance.exit_code == 0 and "Total" in balance.output
    assert w.structures[0].name in balance.output  # payable:<id> named after its structure
    two_years = run.invoke(
        main, ["fec", "--from", "2026-12-01", "--to", "2027-01-31", "--output-dir", str(tmp_path)]
    )
    assert two_years.exit_code == 1 and "fec_two_years" in two_years.output
    assert not list(tmp_path.glob("*FEC20270131*"))
    pdf = tmp_path / "releve.pdf"
    assert run.invoke(main, ["statements", "pdf", "2026-000001", "-o", str(pdf)]).exit_code == 0
    assert pdf.read_bytes().startswith(b"%PDF")
    assert run.invoke(main, ["credit-notes", "alerts"]).exit_code == 0
    assert "Relevés cohérents" in run.invoke(main, ["statements", "check"]).output
    no_balance = run.invoke(main, ["camt", "reconcile"])
    assert no_balance.exit_code == 1 and "no_bank_balance" in no_balance.output
