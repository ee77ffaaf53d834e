"""A view declares what it writes, and the request wrapper holds it to that: an undeclared
write fails the request and leaves nothing; a declared read-that-records keeps its fact
even when it answers a refusal; a declared write is undone by a refusal unless it keeps
its refusal's log."""

from __future__ import annotations

import pytest
from flask import Blueprint
from sqlalchemy import func, literal_column, select, text

from voucher.db import dialect
from voucher.db.engine import unit_of_work
from voucher.db.models import AuditEvent
from voucher.services import audit
from voucher.services.context import Actor
from voucher.web.db import db, is_write, last_statement, records, writes

probe = Blueprint("probe", __name__, url_prefix="/probe")


def _note(what: str) -> None:
    audit.record(db(), Actor(label="probe"), f"probe.{what}")


@probe.get("/undeclared")
def undeclared():
    _note("undeclared")
    return "written?"


@probe.get("/undeclared-with")
def undeclared_with():
    """A write inside a ``WITH`` whose query is a SELECT (PostgreSQL)."""
    db().execute(
        text(
            "WITH gone AS (UPDATE api_key SET name = name WHERE false RETURNING id) SELECT count(*) FROM gone"
        )
    )
    return "written?"


@probe.get("/records")
@records("a probe's visit")
def recorded():
    _note("records")
    return "not here", 404


@probe.post("/writes")
@writes
def refused_write():
    _note("writes")
    return "refused", 422


@probe.post("/keeps")
@writes(keep_on_refusal=True)
def refusal_kept():
    _note("keeps")
    return "refused, but logged", 422


@probe.post("/silent")
def silent_post():
    _note("silent")
    return "written?"


def _last() -> None:
    last_statement(
        lambda commit: dialect.execute(
            db().connection(), select(literal_column("1")), {}, commit=commit
        )
    )


@probe.post("/last")
@writes(keep_on_refusal=True)
def committed_by_last():
    _note("last")
    _last()
    return "kept", 422


@probe.post("/after-last")
@writes(keep_on_refusal=True)
def written_after_last():
    _note("before")
    _last()
    _note("after")
    return "written?"


def _notes(app, what: str) -> int:
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        return s.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.action == f"probe.{what}")
        )


def _client(app):
    app.register_blueprint(probe)
    app.config["WTF_CSRF_ENABLED"] = False
    return app.test_client()


def test_a_get_that_writes_without_declaring_it_fails_and_leaves_nothing(app):
    client = _client(app)
    answer = client.get("/probe/undeclared")
    assert answer.status_code == 500
    assert "written?" not in answer.get_data(as_text=True)
    assert _notes(app, "undeclared") == 0


@pytest.mark.parametrize(
    ("statement", "writes_"),
    [
        ("  insert into t values (1)", True),
        ("UPDATE t SET updated_at = 1", True),
        ("DELETE FROM t", True),
        ("INSERT INTO t VALUES (1) ON CONFLICT (a) DO UPDATE SET b = 1", True),
        ("WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", True),
        ("WITH x AS (UPDATE t SET a = 1 RETURNING a), y AS (SELECT 2) SELECT a FROM x", True),
        ("with x as materialized ( delete from t returning a) select a from x", True),
        ("SELECT a FROM t WHERE b FOR UPDATE", False),
        ("WITH x AS (SELECT 1) SELECT * FROM x FOR NO KEY UPDATE", False),
        ("SELECT updated_at, (delete_flag) FROM t", False),
    ],
)
def test_what_counts_as_a_write(statement, writes_):
    assert is_write(statement) is writes_
    assert is_write(statement) is writes_  # remembered, same answer


def test_a_write_inside_a_with_is_a_write_too(app):
    if not dialect.is_postgres(app.extensions["voucher.engine"]):
        pytest.skip("SQLite has no write inside a WITH")
    client = _client(app)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    assert client.get("/probe/undeclared-with").status_code == 500


def test_a_post_that_writes_without_declaring_it_fails_too(app):
    client = _client(app)
    assert client.post("/probe/silent").status_code == 500
    assert _notes(app, "silent") == 0


def test_a_declared_record_is_kept_whatever_the_answer(app):
    client = _client(app)
    assert client.get("/probe/records").status_code == 404
    assert _notes(app, "records") == 1


def test_a_declared_write_is_undone_by_a_refusal(app):
    client = _client(app)
    assert client.post("/probe/writes").status_code == 422
    assert _notes(app, "writes") == 0


def test_a_write_that_keeps_its_refusal_commits_what_the_view_left(app):
    client = _client(app)
    assert client.post("/probe/keeps").status_code == 422
    assert _notes(app, "keeps") == 1


def test_a_last_statement_may_carry_the_commit_and_nothing_runs_after_it(app):
    """On PostgreSQL a view's last statement may carry the request's COMMIT (one round
    trip): what it wrote is kept, and a statement sent after it fails the request and is
    undone; on SQLite the wrapper commits as for any view."""
    client = _client(app)
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answered as in production (a 500)
    assert client.post("/probe/last").status_code == 422
    assert _notes(app, "last") == 1
    answer = client.post("/probe/after-last")
    if dialect.is_postgres(app.extensions["voucher.engine"]):
        assert answer.status_code == 500
        assert (_notes(app, "before"), _notes(app, "after")) == (1, 0)
    else:
        assert answer.status_code == 200
        assert (_notes(app, "before"), _notes(app, "after")) == (1, 1)
