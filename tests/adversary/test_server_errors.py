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
