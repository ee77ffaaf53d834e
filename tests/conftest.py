"""Test databases: every database test runs on SQLite **and** PostgreSQL, schemas built
by the Alembic migrations. One migrated template per backend; each test gets a savepoint
inside a transaction that is rolled back; tests that must really commit (deferred
triggers, concurrency, tampering) take a fresh database copied from the template."""

from __future__ import annotations

import itertools
import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from voucher.db.engine import make_engine
from voucher.db.migrate import upgrade
from voucher.web.app import create_app

PG_ADMIN = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
BACKENDS = [b for b in os.environ.get("VOUCHER_TEST_DB", "sqlite,postgresql").split(",") if b]
_counter = itertools.count()


def _pg_url(name: str) -> str:
    return PG_ADMIN.rsplit("/", 1)[0] + "/" + name


def _pg_admin(sql: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(sql)


class Databases:
    """Creates migrated databases quickly by copying a template."""

    def __init__(self, backend: str, tmp: Path) -> None:
        self.backend = backend
        self.tmp = tmp
        self.tag = uuid.uuid4().hex[:8]
        self.created: list[str] = []
        self.engines: list[Engine] = []
        if backend == "postgresql":
            self.template = f"vt_{self.tag}_template"
            _pg_admin(f"CREATE DATABASE {self.template}")
            self.created.append(self.template)
            engine = make_engine(_pg_url(self.template))
            upgrade(engine)
            engine.dispose()
        else:
            self.template = str(tmp / "template.sqlite3")
            engine = make_engine(f"sqlite:///{self.template}")
            upgrade(engine)
            engine.dispose()

    def url(self) -> str:
        n = next(_counter)
        if self.backend == "postgresql":
            name = f"vt_{self.tag}_{n}"
            _pg_admin(f"CREATE DATABASE {name} TEMPLATE {self.template}")
            self.created.append(name)
            return _pg_url(name)
        path = self.tmp / f"db{n}.sqlite3"
        shutil.copy(self.template, path)
        return f"sqlite:///{path}"

    def engine(self) -> Engine:
        engine = make_engine(self.url())
        self.engines.append(engine)
        return engine

    def close(self) -> None:
        for engine in self.engines:
            engine.dispose()
        if self.backend == "postgresql":
            for name in reversed(self.created):
                _pg_admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


@pytest.fixture(scope="session", params=BACKENDS)
def databases(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Databases]:
    dbs = Databases(request.param, tmp_path_factory.mktemp(request.param))
    yield dbs
    dbs.close()


@pytest.fixture(scope="session")
def engine(databases: Databases) -> Engine:
    return databases.engine()


@pytest.fixture
def fresh_engine(databases: Databases) -> Engine:
    """A database of its own, for tests that commit."""
    return databases.engine()


@pytest.fixture
def session(engine: Engine) -> Iterator[Session]:
    with engine.connect() as connection:
        transaction = connection.begin()
        with Session(
            bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
        ) as s:
            yield s
        transaction.rollback()


@pytest.fixture
def backend(databases: Databases) -> str:
    return databases.backend


@pytest.fixture
def app(fresh_engine, tmp_path) -> Iterator[Flask]:
    """A real app on a database of its own (migrated), committed like production."""
    url = fresh_engine.url.render_as_string(hide_password=False)
    app = create_app(
        {
            "DATABASE_URL": url,
            "INSTANCE_PATH": tmp_path,
            "SECRET_KEY": "test",
            "PSEUDONYM_KEY": b"test-key",
            "TESTING": True,
            "SESSION_COOKIE_SECURE": False,
            # pages check the work itself; tests/adversary/test_long_jobs.py the job path
            "INLINE_LONG_WORK": True,
        }
    )
    yield app
    app.extensions["voucher.engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def smtp(monkeypatch: pytest.MonkeyPatch):
    """A real SMTP server on loopback; the mailer's variables point at it."""
    from tests import mailbox

    box = mailbox.Mailbox()
    controller = mailbox.start(box)
    for name, value in mailbox.environment(controller.port).items():
        monkeypatch.setenv(name, value)
    box.port = controller.port  # type: ignore[attr-defined]
    yield box
    controller.stop()


@pytest.fixture
def jobs_app(app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """The app with its long work off the request, as in production: pages and API start
    jobs, run by a real worker (``tests/drills/crash.py`` ``start_worker``) on the same
    database; the queue is huey's SQLite file in the test's own instance folder."""
    from voucher.services.jobs import queue

    monkeypatch.setenv("VOUCHER_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.delenv("VOUCHER_REDIS_URL", raising=False)
    queue.queue.cache_clear()
    app.config["INLINE_LONG_WORK"] = False
    yield app
    queue.queue.cache_clear()
