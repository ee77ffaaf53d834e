"""Through the real server (gunicorn with ``voucher serve``'s settings): every answer is
problem+json with a code, those the app writes and those gunicorn writes itself."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.adversary.served import raw, serving
from voucher.domain.errors import MESSAGES


@pytest.fixture
def server(fresh_engine: Any, tmp_path: Path) -> Iterator[int]:
    with serving(fresh_engine.url.render_as_string(hide_password=False), tmp_path) as port:
        yield port


CASES = [
    (b"GET /api/v1/" + b"a" * 5000 + b" HTTP/1.0\r\n\r\n", 414, "uri_too_long"),
    (b"GET /api/v1/" + b"a" * 9000 + b" HTTP/1.0\r\n\r\n", 414, "uri_too_long"),
    (b"GET /api/v1/ping HTTP/1.0\r\nX-Big: " + b"b" * 9000 + b"\r\n\r\n", 431, "header_too_large"),
    (b"GET /api/v1/ping HTTP/1.0\r\nX-Big: " + b"b" * 20000 + b"\r\n\r\n", 431, "header_too_large"),
    (b"GARBAGE\r\n\r\n", 400, "bad_request"),
    (b"GET /api/v1/ping HTTP/1.0\r\nBad Header\r\n\r\n", 400, "bad_request"),
    (
        b"POST /api/v1/redemptions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b"Transfer-Encoding: chunked\r\n\r\nZZ\r\n",
        400,
        "bad_request",
    ),
    (
        b"POST /api/v1/redemptions HTTP/1.0\r\nContent-Type: application/json\r\n"
        b"Content-Length: 2621440\r\n\r\n" + b"{" * 1000,
        413,
        "payload_too_large",
    ),
]


def test_every_error_is_a_problem_even_gunicorns_own(server):
    for request, status, code in CASES:
        got, headers, body = raw(server, request)
        assert got == status, (request[:40], got, body[:200])
        assert headers["content-type"].startswith("application/problem+json"), request[:40]
        payload = json.loads(body)
        assert payload["code"] == code and payload["code"] in MESSAGES
        assert payload["status"] == status


def test_a_request_past_its_deadline_is_a_503_problem_and_writes_nothing(
    fresh_engine: Any, tmp_path: Path
) -> None:
    """The issuance blocks at a named fault point (it never returns by itself): the
    request deadline, not gunicorn's timeout, ends it."""
    from sqlalchemy import func, select

    from tests.web.api.conftest import build
    from voucher.db.engine import unit_of_work
    from voucher.db.models import Batch
    from voucher.web.app import create_app

    url = fresh_engine.url.render_as_string(hide_password=False)
    app = create_app(
        {"DATABASE_URL": url, "INSTANCE_PATH": tmp_path, "SECRET_KEY": "t", "TESTING": True}
    )
    world = build(app)
    engine = app.extensions["voucher.engine"]
    with unit_of_work(engine) as s:
        before = s.scalar(select(func.count()).select_from(Batch))
    body = json.dumps(
        {"programme_id": world.programme_id, "prescriber_id": world.prescriber_id, "books": 2}
    ).encode()
    request = (
        f"POST /api/v1/batches HTTP/1.0\r\nAuthorization: Bearer {world.keys['funder']}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    with serving(
        url,
        tmp_path / "served",
        VOUCHER_REQUEST_DEADLINE="2",
        VOUCHER_FAULT_WAIT="issue.books_written",
    ) as port:
        status, headers, answer = raw(port, request)
    payload = json.loads(answer)
    assert status == 503 and payload["code"] == "request_timeout"
    assert headers["retry-after"] == str(payload["retry_after"])
    with unit_of_work(engine) as s:
        assert s.scalar(select(func.count()).select_from(Batch)) == before
    engine.dispose()
