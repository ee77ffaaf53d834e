"""The database's own guards (they must fire at COMMIT, so these tests commit for real)
and the tamper test: a posting changed behind the application's back is named by
`voucher audit`."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from tests import factories as f
from voucher.db.engine import unit_of_work
from voucher.db.models import Account, JournalEntry, Posting
from voucher.domain.calendar import utcnow
from voucher.services.finance import ledger_audit


def _raw_entry(session: Session, amounts: list[int]) -> None:
    acc = session.scalar(select(Account.id).limit(1))
    entry = session.execute(
        insert(JournalEntry)
        .values(ref="x" * 32, kind="manual", at=utcnow(), posting_count=len(amounts), hash="0" * 64)
        .returning(JournalEntry.id)
    ).scalar_one()
    session.execute(
        insert(Posting), [{"entry_id": entry, "account_id": acc, "amount": a} for a in amounts]
    )


def test_an_unbalanced_entry_cannot_be_committed(fresh_engine):
    with unit_of_work(fresh_engine) as s:
        f.world(s, books=1)
    with pytest.raises((IntegrityError, DBAPIError)) as exc:
        with unit_of_work(fresh_engine) as s:
            _raw_entry(s, [100, -99])
    assert "unbalanced_entry" in str(exc.value)


def test_a_zero_posting_is_refused(fresh_engine):
    with unit_of_work(fresh_engine) as s:
        f.world(s, books=1)
    with pytest.raises((IntegrityError, DBAPIError)):
        with unit_of_work(fresh_engine) as s:
            _raw_entry(s, [0, 0])


def test_journal_and_audit_rows_are_append_only(fresh_engine):
    with unit_of_work(fresh_engine) as s:
        f.world(s, books=1)
    for statement in (
        "UPDATE posting SET amount = amount + 1",
        "DELETE FROM journal_entry",
        "DELETE FROM audit_event",
        "UPDATE audit_event SET action = 'x'",
    ):
        with pytest.raises(DBAPIError) as exc:
            with unit_of_work(fresh_engine) as s:
                s.execute(text(statement))
        assert "append_only" in str(exc.value)


def _tamper(engine, backend: str) -> int:
    with unit_of_work(engine) as s:
        target = s.scalar(select(Posting.entry_id).order_by(Posting.id.desc()).limit(1))
        if backend == "postgresql":
            s.execute(
                text("SET LOCAL session_replication_role = replica")
            )  # bypass triggers, as an intruder with superuser rights would
        else:
            s.execute(text("DROP TRIGGER posting_append_only_update"))
        s.execute(
            text(
                "UPDATE posting SET amount = amount + 500 WHERE id = "
                "(SELECT min(id) FROM posting WHERE entry_id = :e)"
            ),
            {"e": target},
        )
    return int(target)


def test_changing_one_posting_in_sql_is_detected_and_named(fresh_engine, backend):
    with unit_of_work(fresh_engine) as s:
        f.world(s, books=2)
        ledger_audit.seal(s)
    with unit_of_work(fresh_engine) as s:
        assert ledger_audit.verify(s).ok
    entry = _tamper(fresh_engine, backend)
    with unit_of_work(fresh_engine) as s:
        report = ledger_audit.verify(s)
    named = {p.entry_id for p in report.problems if p.check in ("entry_hash", "entry_balanced")}
    assert entry in named
    url = fresh_engine.url.render_as_string(hide_password=False)
    run = subprocess.run(
        [sys.executable, "-m", "voucher", "audit"],
        capture_output=True,
        text=True,
        env={"DATABASE_URL": url, "PATH": "/usr/bin:/bin"},
        timeout=120,
    )
    assert run.returncode != 0
    assert f"écriture {entry}" in run.stderr + run.stdout
