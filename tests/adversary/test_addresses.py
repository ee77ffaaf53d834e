"""Client addresses: ``X-Forwarded-For`` counts only through the configured number of
trusted proxies (none by default). A client cannot choose the address the guessing
counts, the rate limits and the audit log see, and a long forwarded address never costs
a valid scan."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from tests.web.api.conftest import build
from voucher.db.engine import unit_of_work
from voucher.db.models import AuditEvent, Redemption, RefusedScan
from voucher.web.app import create_app

LONG = "fe80::1%" + "eth0" * 20


@pytest.fixture
def proxied(fresh_engine: Any, tmp_path: Any) -> Iterator[Flask]:
    """The app behind one trusted proxy (the proxy appends the address it saw)."""
    app = create_app(
        {
            "DATABASE_URL": fresh_engine.url.render_as_string(hide_password=False),
            "INSTANCE_PATH": tmp_path,
            "SECRET_KEY": "test",
            "PSEUDONYM_KEY": b"test-key",
            "TESTING": True,
            "TRUSTED_PROXIES": 1,
        }
    )
    yield app
    app.extensions["voucher.engine"].dispose()


def scan(client: Any, key: str, code: str, n: int, forwarded: str) -> Any:
    return client.post(
        "/api/v1/redemptions",
        json={"code": code},
        headers={
            "Authorization": f"Bearer {key}",
            "Idempotency-Key": f"scan-{n}",
            "X-Forwarded-For": forwarded,
        },
    )


def addresses(app: Flask) -> set[str | None]:
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        return set(s.scalars(select(RefusedScan.ip))) | set(s.scalars(select(AuditEvent.ip)))


def test_without_a_trusted_proxy_the_forwarded_address_is_ignored(app, client, world):
    r = scan(client, world.keys["reception"], world.codes[0], 0, LONG + ", " + "9" * 3000)
    assert r.status_code == 201, r.get_data(as_text=True)
    for n in range(1, 15):  # rotating the forwarded address: the same source, locked
        r = scan(client, world.keys["reception"], "1234-5678-9012", n, f"203.0.113.{n}")
    assert r.status_code == 429 and r.get_json()["code"] in ("locked", "too_many_attempts")
    assert addresses(app) <= {"127.0.0.1", None}
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        assert s.scalar(select(Redemption.id).where(Redemption.scan_id == "scan-0"))


def test_behind_a_trusted_proxy_only_its_own_entry_counts(proxied, fresh_engine):
    world = build(proxied)
    client = proxied.test_client()
    r = scan(client, world.keys["reception"], world.codes[0], 0, f"10.9.9.9, {LONG}")
    assert r.status_code == 201, r.get_data(as_text=True)
    for n in range(1, 15):  # the client rotates what it sends; the proxy's entry is constant
        r = scan(client, world.keys["reception"], "1234-5678-9012", n, f"203.0.113.{n}, 192.0.2.7")
    assert r.status_code == 429
    assert addresses(proxied) <= {"fe80::1", "192.0.2.7", None}
    assert "192.0.2.7" in addresses(proxied)


def test_an_address_that_is_not_one_is_not_stored(proxied):
    world = build(proxied)
    client = proxied.test_client()
    r = scan(client, world.keys["reception"], "1234-5678-9012", 1, "not-an-address")
    assert r.status_code in (404, 422)
    assert addresses(proxied) <= {None}
