"""Web tests: a real app on a database of its own (migrated), committed like production."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient

from voucher.web.app import create_app


@pytest.fixture
def app(fresh_engine, tmp_path) -> Flask:
    url = fresh_engine.url.render_as_string(hide_password=False)
    app = create_app(
        {
            "DATABASE_URL": url,
            "INSTANCE_PATH": tmp_path,
            "SECRET_KEY": "test",
            "PSEUDONYM_KEY": b"test-key",
            "TESTING": True,
            "SESSION_COOKIE_SECURE": False,
        }
    )
    yield app
    app.extensions["voucher.engine"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
