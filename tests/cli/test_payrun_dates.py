"""``voucher payrun create --execution-date``: a malformed date, a date in the past or a
TARGET2 closing day is refused in French with its code and changes nothing; without the
option the run is dated on the next TARGET2 business day."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from tests.services.finance import finance_world as fw
from voucher.cli.main import main
from voucher.db.engine import unit_of_work
from voucher.db.models import PaymentRun
from voucher.domain import calendar


@pytest.fixture
def closed(fresh_engine, tmp_path, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", fresh_engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("VOUCHER_INSTANCE", str(tmp_path))
    with unit_of_work(fresh_engine) as s:
        w = fw.world(s, structures=1)
        fw.scan(s, w, fw.paris(2026, 3, 3))
    assert CliRunner().invoke(main, ["close", "--month", "2026-03", "--confirm"]).exit_code == 0
    return fresh_engine


def runs(engine) -> list:
    with unit_of_work(engine) as s:
        return list(s.scalars(select(PaymentRun.execution_date)))


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("28/12/2026", "invalid_execution_date"),
        ("2026-02-30", "invalid_execution_date"),
        ("2026-12-23", "execution_date_past"),
        ("2026-12-25", "execution_date_closed"),
        ("2026-12-26", "execution_date_closed"),
        ("2027-01-01", "execution_date_closed"),
    ],
)
def test_a_bad_execution_date_is_refused_and_changes_nothing(closed, typed, code):
    with calendar.at(fw.paris(2026, 12, 24, 10)):
        answer = CliRunner().invoke(
            main, ["payrun", "create", "--confirm", "--execution-date", typed]
        )
    assert answer.exit_code == 1
    assert code in answer.output and "Refusé" in answer.output
    assert isinstance(answer.exception, SystemExit) and "Traceback" not in answer.output
    assert runs(closed) == []


def test_the_default_is_the_next_target2_business_day_never_christmas(closed, tmp_path):
    with calendar.at(fw.paris(2026, 12, 24, 10)):
        answer = CliRunner().invoke(
            main, ["payrun", "create", "--confirm", "-o", str(tmp_path / "run.xml")]
        )
    assert answer.exit_code == 0, answer.output
    assert [d.isoformat() for d in runs(closed)] == ["2026-12-28"]


def test_a_business_day_typed_is_kept(closed, tmp_path):
    with calendar.at(fw.paris(2026, 12, 24, 10)):
        answer = CliRunner().invoke(
            main,
            ["payrun", "create", "--confirm", "--execution-date", "2026-12-24"]
            + ["-o", str(tmp_path / "run.xml")],
        )
    assert answer.exit_code == 0, answer.output
    assert [d.isoformat() for d in runs(closed)] == ["2026-12-24"]
    with unit_of_work(closed) as s:
        assert s.scalar(select(func.count()).select_from(PaymentRun)) == 1
