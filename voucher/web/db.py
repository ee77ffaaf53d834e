"""One session per request; the request wrapper is the one place that commits.

A view says what it may change, and the wrapper holds it to that:

* ``@writes``: the view changes what the ledger holds. The wrapper commits once, after the
  view, when the answer is a success (< 400) and rolls back otherwise, so a refusal changes
  nothing. ``@writes(keep_on_refusal=True)``: the view undoes its own work when it refuses
  (a savepoint, or a rollback) and what is left — the refusal's log, a stored idempotent
  answer, a failed sign-in — is committed with the refusal;
* ``@records("…")`` on a view, or :func:`recording` called while it runs: a read (a GET) that
  must keep one fact — an API key's last use, a printed file's download, a refused guess.
  Committed whatever the answer, except a server error;
* any other view writes nothing: an INSERT, UPDATE or DELETE it issues is refused on the
  spot (:class:`UndeclaredWrite`), the request fails and its session is rolled back.

Side effects outside the database (files, mail) run after the commit: a request that
recorded e-mail asks the job worker to send it once committed.

On PostgreSQL a view that keeps refusals may have its last statement carry the
``COMMIT`` (:func:`last_statement`: one round trip for both; an idempotent write
storing its answer). The wrapper then sends none of its own, and a statement run after
that one is refused (rolled back, the request fails). A failure after that commit (while
the answer is sent) cannot undo it: the answer is stored, and the client's resend with
the same ``Idempotency-Key`` gets it.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from flask import Flask, Response, current_app, g, has_request_context, request
from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from voucher.db import dialect
from voucher.db.engine import make_engine
from voucher.services.jobs import queue
from voucher.services.mail import outbox

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")
WRITES, KEEPS_REFUSALS, RECORDS = "writes", "writes, keeps refusals", "records"
#: a write: a statement that begins with INSERT, UPDATE or DELETE, or a ``WITH`` whose
#: query or one of whose parts (``name AS (…)``) does. PostgreSQL allows a write inside
#: parentheses only there, so an opening or closing parenthesis before the keyword is
#: enough; no pattern that backtracks over the whole text (a long ``WITH`` scan write).
_WRITE_FIRST = re.compile(r"\s*(?:INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
_WITH = re.compile(r"\s*WITH\b", re.IGNORECASE)
_WRITE_INSIDE = re.compile(r"[()]\s*(?:INSERT|UPDATE|DELETE)\b", re.IGNORECASE)
#: the answer by statement text (statements are compiled once and sent again and again)
_WRITES: dict[str, bool] = {}
_WRITES_KEPT = 2048


class UndeclaredWrite(RuntimeError):
    """A view wrote to the database without declaring it (``@writes`` or ``@records``)."""


def writes(view: F | None = None, *, keep_on_refusal: bool = False) -> Any:
    """Declare that a view changes the database (see the module's rules)."""

    def mark(fn: F) -> F:
        fn._voucher_writes = KEEPS_REFUSALS if keep_on_refusal else WRITES  # type: ignore[attr-defined]
        return fn

    return mark(view) if view is not None else mark


def records(what: str) -> Callable[[F], F]:
    """Declare that a read keeps one fact (``@records("a printed file's download")``)."""

    def mark(fn: F) -> F:
        fn._voucher_writes = RECORDS  # type: ignore[attr-defined]
        fn._voucher_records = what  # type: ignore[attr-defined]
        return fn

    return mark


def recording(what: str) -> None:
    """Declare, while a view runs, that it keeps one fact whatever the view declared
    itself (the API key check keeps the key's last use for every view)."""
    g.db_records = [*g.get("db_records", []), what]


def _declared() -> str | None:
    view = current_app.view_functions.get(request.endpoint or "")
    declared: str | None = getattr(view, "_voucher_writes", None)
    if declared is None and g.get("db_records"):
        return RECORDS
    return declared


def is_write(statement: str) -> bool:
    """Whether ``statement`` changes rows (see :data:`_WRITE_FIRST`), remembered by text."""
    found = _WRITES.get(statement)
    if found is None:
        found = bool(_WRITE_FIRST.match(statement)) or bool(
            _WITH.match(statement) and _WRITE_INSIDE.search(statement)
        )
        if len(_WRITES) >= _WRITES_KEPT:
            _WRITES.clear()
        _WRITES[statement] = found
    return found


def _refuse_undeclared(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
    if not has_request_context() or not is_write(statement):
        return
    if _declared() is None:
        raise UndeclaredWrite(
            f"{request.method} {request.path} writes without declaring it: {statement[:60]}"
        )


def _keep(status: int) -> bool:
    declared = _declared()
    if g.get("rollback") or declared is None or status >= 500:
        return False
    if declared == WRITES:
        return status < 400
    return True  # keeps refusals, or records


def init_app(app: Flask) -> None:
    engine = make_engine(app.config["DATABASE_URL"])
    app.extensions["voucher.engine"] = engine
    event.listen(engine, "before_cursor_execute", _refuse_undeclared)

    @app.after_request
    def _finish(response: Response) -> Response:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            try:
                dialect.nothing_after_commit(session)  # a last statement that committed
                if _keep(response.status_code):
                    mail = session.info.pop(outbox.QUEUED, False)
                    session.commit()  # nothing to send if the last write committed
                    if mail:  # messages recorded: the worker sends them now
                        g.setdefault("after_commit", []).append(queue.send_mail)
                    for callback in g.pop("after_commit", []):
                        callback()
                else:
                    session.rollback()
            finally:
                session.close()
        return response

    @app.teardown_request
    def _teardown(_exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            session.rollback()
            session.close()


def last_statement(send: Callable[[bool], T]) -> T:
    """Send the request's last statement: ``send(commit)``, with ``commit`` true when that
    statement may carry the request's ``COMMIT`` (PostgreSQL, :func:`voucher.db.dialect.run`
    with ``commit``): the view keeps whatever it answers below 500
    (``@writes(keep_on_refusal=True)``), nothing asked for a rollback, and
    :func:`voucher.db.dialect.commits_with_write` agrees (no savepoint open; flushed). Once
    it did, the wrapper sends no ``COMMIT`` of its own and refuses any statement run after
    it (:func:`voucher.db.dialect.nothing_after_commit`)."""
    session, commit = db(), False
    if _declared() == KEEPS_REFUSALS and not g.get("rollback"):
        session.info[dialect.LAST_WRITE_COMMITS] = True
        commit = dialect.commits_with_write(session)
        if not commit:
            session.info.pop(dialect.LAST_WRITE_COMMITS)
    return send(commit)


def after_commit(callback: Callable[[], None]) -> None:
    """Run ``callback`` once this request's work is committed (never if it is rolled back):
    e.g. send a job to the queue only once its row is there for the worker to read."""
    g.setdefault("after_commit", []).append(callback)


def engine() -> Engine:
    found: Engine = current_app.extensions["voucher.engine"]
    return found


def db() -> Session:
    session: Session | None = g.get("db_session")  # one look-up: asked ~6 times a scan
    if session is None:
        session = g.db_session = Session(engine(), expire_on_commit=False)
        if _reads_only():  # SQLite: a plain BEGIN, never waiting on the write lock
            session.connection(execution_options={"readonly": True})
    return session


def _reads_only() -> bool:
    """A page (GET, not the API: its key check records) whose view declares no write: it
    reads without taking SQLite's write lock, so a job's long transaction (a 100,000-book
    batch, a month close) never stalls the pages, its own progress page first."""
    return (
        has_request_context()
        and request.method in ("GET", "HEAD")
        and not request.path.startswith("/api/")
        and request.endpoint is not None
        and _declared() is None
    )
