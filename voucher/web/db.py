"""One session per request; the request wrapper is the one place that commits.

A GET or HEAD never writes: its session is always rolled back. Other methods commit when
the response is a success (< 400) and roll back otherwise, so a refusal changes nothing.
"""

from __future__ import annotations

from flask import Flask, current_app, g
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from voucher.db.engine import make_engine

WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def init_app(app: Flask) -> None:
    app.extensions["voucher.engine"] = make_engine(app.config["DATABASE_URL"])

    @app.after_request
    def _finish(response):  # type: ignore[no-untyped-def]
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            from flask import request

            try:
                if (
                    request.method in WRITE_METHODS
                    and response.status_code < 400
                    and not g.get("rollback")
                ):
                    session.commit()
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


def engine() -> Engine:
    return current_app.extensions["voucher.engine"]  # type: ignore[no-any-return]


def db() -> Session:
    if "db_session" not in g:
        g.db_session = Session(engine(), expire_on_commit=False)
    return g.db_session  # type: ignore[no-any-return]


def commit_now() -> None:
    """For the rare view that must make a write durable before answering (e.g. a refusal
    log kept even though the request itself is refused)."""
    db().commit()
