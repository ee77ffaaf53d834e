"""Refunds and bank lines from the command line: ``payrun create`` pays the refunds owed,
``credit-notes list`` says where each stands, ``camt link-funds`` links an unmatched credit
to funds received once (a dry run changes nothing; a second link exits non-zero with its
code and French message)."""

from __future__ import annotations

from datetime import date

from click.testing import CliRunner
from sqlalchemy import func, select

from tests.documents import camt_files as cf
from tests.services.finance import finance_world as fw
from voucher.cli.main import main
from voucher.db.engine import unit_of_work
from voucher.db.models import BankMovement, FundsReceived, PaymentTransfer
from voucher.documents import sepa
from voucher.domain import calendar
from voucher.services.context import SYSTEM
from voucher.services.finance import credit_notes, reconciliation
from voucher.services.issuance import expiry


def funds(engine) -> int:
    with unit_of_work(engine) as s:
        return int(s.scalar(select(func.count()).select_from(FundsReceived)))


def test_refunds_paid_by_payrun_and_a_credit_linked_to_funds(fresh_engine, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("VOUCHER_INSTANCE", str(tmp_path))
    with unit_of_work(fresh_engine) as s:
        w = fw.world(
            s, books=3, valid_from=date(2026, 1, 1), valid_until=date(2026, 6, 30), grace_days=31
        )
        for funder in (w.w.funder_a, w.w.funder_b):
            fw.bank(s, funder)
        with calendar.at(fw.paris(2026, 8, 5)):
            expiry.expire_programme(s, SYSTEM, w.programme_id)
            credit_notes.issue(s, SYSTEM, w.programme_id)
        programme, funder = w.programme_id, w.w.funder_a.id
        opening = reconciliation.books_balance(s, date(2026, 12, 1))
    run = CliRunner()
    env = {"COLUMNS": "250"}
    listed = run.invoke(main, ["credit-notes", "list"], env=env)
    assert listed.exit_code == 0 and listed.output.count("dû au financeur") == 2
    out = tmp_path / "virements.xml"
    made = run.invoke(main, ["payrun", "create", "--confirm", "-o", str(out)], env=env)
    assert made.exit_code == 0, made.output
    assert "AV-2026-0001" in made.output and "Fondation A" in made.output
    assert sepa.validate(out.read_bytes(), "pain.001.001.09") == []
    assert run.invoke(main, ["credit-notes", "list"], env=env).output.count("virement envoyé") == 2
    with unit_of_work(fresh_engine) as s:
        sent = [
            (t.amount_cents, t.end_to_end_id, t.iban) for t in s.scalars(select(PaymentTransfer))
        ]
    today = calendar.paris_date(calendar.utcnow())
    lines = [cf.Line(a, e2e=e, iban=i, booked=today) for a, e, i in sent]
    lines.append(cf.Line(80_000, "CRDT", booked=today, info="VIR FONDATION", party="A"))
    bank = tmp_path / "releve.xml"
    bank.write_bytes(cf.camt053(lines, opening=opening, day=today))
    applied = run.invoke(main, ["camt", "import", str(bank), "--confirm"], env=env)
    assert applied.exit_code == 0, applied.output
    assert "2 payé(s)" in applied.output
    assert run.invoke(main, ["credit-notes", "list"], env=env).output.count("payé") == 2
    with unit_of_work(fresh_engine) as s:
        line = s.scalar(select(BankMovement.id).where(BankMovement.direction == "CRDT"))
    shown = run.invoke(main, ["camt", "reconcile"], env=env)
    assert shown.exit_code == 0 and "ligne" in shown.output
    before = funds(fresh_engine)
    args = ["camt", "link-funds", str(line), "--programme", str(programme), "--funder", str(funder)]
    dry = run.invoke(main, args, env=env)
    assert dry.exit_code == 0 and "simulation" in dry.output and funds(fresh_engine) == before
    done = run.invoke(main, [*args, "--confirm"], env=env)
    assert done.exit_code == 0, done.output
    assert funds(fresh_engine) == before + 1
    twice = run.invoke(main, [*args, "--confirm"], env=env)
    assert twice.exit_code != 0 and "bank_line_already_linked" in twice.output
    assert "déjà rattachée" in twice.output
    assert funds(fresh_engine) == before + 1
