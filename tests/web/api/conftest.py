"""API test world: two funded programmes of two funders (ours and another), their
prescribers and structures, and one API key per role, built through the services and
committed, as a real client would find them."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select
from werkzeug.serving import make_server

from tests import factories as f
from voucher.db.engine import unit_of_work
from voucher.db.models import (
    AuditEvent,
    Book,
    IdempotencyRecord,
    JournalEntry,
    Redemption,
    RefusedScan,
    Voucher,
)
from voucher.services.access import api_keys
from voucher.services.finance import ledger_audit
from voucher.services.issuance import batches
from voucher.services.organisations import organisations


@dataclass
class ApiWorld:
    programme_id: int
    structure_id: int
    prescriber_id: int
    funder_id: int
    batch_id: int
    first_serial: int
    other_programme_id: int
    other_structure_id: int
    other_prescriber_id: int
    other_batch_id: int
    other_serial: int
    codes: list[str]
    other_codes: list[str]
    inactive_batch_id: int = 0
    inactive_codes: list[str] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)
    key_ids: dict[str, int] = field(default_factory=dict)


def codes_of(session: Any, batch_id: int) -> list[str]:
    return list(
        session.scalars(
            select(Voucher.code)
            .join(Book, Book.id == Voucher.book_id)
            .where(Book.batch_id == batch_id)
            .order_by(Book.serial, Voucher.position)
        )
    )


def build(app: Flask, *, books: int = 3, **programme: object) -> ApiWorld:
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        w = f.world(s, books=books, **programme)
        o = f.world(s, books=1)
        inactive = batches.issue_batch(
            s, f.ACTOR, programme_id=w.programme.id, prescriber_id=w.prescriber.id, books=1
        )
        operator = organisations.create_organisation(
            s, f.ACTOR, name="Opérateur", siret=None, roles={"operator"}
        )
        world = ApiWorld(
            w.programme.id,
            w.structure.id,
            w.prescriber.id,
            w.funder_a.id,
            w.batch.id,
            w.batch.first_serial,
            o.programme.id,
            o.structure.id,
            o.prescriber.id,
            o.batch.id,
            o.batch.first_serial,
            codes_of(s, w.batch.id),
            codes_of(s, o.batch.id),
            inactive.id,
            codes_of(s, inactive.id),
        )
        for name, org, role in (
            ("reception", w.structure.id, "reception"),
            ("funder", w.funder_a.id, "funder"),
            ("prescriber", w.prescriber.id, "prescriber"),
            ("finance", operator.id, "finance"),
            ("admin", operator.id, "admin"),
            ("evaluator", operator.id, "evaluator"),
            ("other_reception", o.structure.id, "reception"),
            ("other_funder", o.funder_a.id, "funder"),
            ("other_prescriber", o.prescriber.id, "prescriber"),
            ("reception_2", w.structure.id, "reception"),
            ("revoked", w.structure.id, "reception"),
        ):
            new = api_keys.create_key(
                s, f.ACTOR, organisation_id=org, role=role, name=f"clé {name}"
            )
            world.keys[name], world.key_ids[name] = new.secret, new.key.id
        api_keys.revoke_api_key(s, f.ACTOR, world.key_ids["revoked"])
    return world


@pytest.fixture
def world(app: Flask) -> ApiWorld:
    return build(app)


class Api:
    """A client speaking for one key."""

    def __init__(self, client: Any, secret: str | None) -> None:
        self.client, self.secret = client, secret

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.secret}"} if self.secret else {}
        return {**headers, **(extra or {})}

    def get(self, path: str, headers: dict[str, str] | None = None, **kw: Any) -> Any:
        return self.client.get(path, headers=self._headers(headers), **kw)

    def post(
        self, path: str, json: Any = None, headers: dict[str, str] | None = None, **kw: Any
    ) -> Any:
        return self.client.post(path, json=json, headers=self._headers(headers), **kw)


@pytest.fixture
def as_key(client: Any, world: ApiWorld) -> Any:
    return lambda name: Api(client, world.keys.get(name, name))


def counts(app: Flask) -> dict[str, int]:
    """What a replay must leave unchanged."""
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        return {
            model.__name__: int(s.scalar(select(func.count()).select_from(model)) or 0)
            for model in (Redemption, JournalEntry, RefusedScan, IdempotencyRecord, AuditEvent)
        }


def ledger_ok(app: Flask) -> bool:
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        report = ledger_audit.verify(s)
        return report.ok


def problem(response: Any, status: int, code: str) -> dict[str, Any]:
    """Assert an RFC 9457 problem with a stable code and French text; return its body."""
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    body = response.get_json(force=True)
    assert body["code"] == code and body["status"] == status
    assert body["title"] and body["detail"] and body["type"].endswith(f"#code-{code}")
    assert "Traceback" not in response.get_data(as_text=True)
    return body


@pytest.fixture
def live(app: Any) -> Iterator[str]:
    """The app served on a loopback port for clients that speak real HTTP (curl, a
    generated client)."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()
