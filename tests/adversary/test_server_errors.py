"""Through the real server (gunicorn with ``voucher serve``'s settings): every answer is
problem+json with a code, those the app writes and those gunicorn writes itself."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from voucher.domain.errors import MESSAGES

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def raw(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(request)
        data = b""
        while chunk := s.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:] if ": " in line)
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


@pytest.fixture
def server(fresh_engine: Any, tmp_path: Path) -> Iterator[int]:
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": fresh_engine.url.render_as_string(hide_password=False),
        "VOUCHER_INSTANCE": str(tmp_path),
        "PYTHONPATH": str(ROOT),
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "gunicorn",
            "-c",
            "python:voucher.web.gunicorn_conf",
            "--workers",
            "1",
            "--bind",
            f"127.0.0.1:{port}",
            "--access-logfile",
            "/dev/null",
            "voucher.web.wsgi:app",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        for _ in range(300):
            try:
                if raw(port, b"GET /api/v1/ping HTTP/1.0\r\n\r\n")[0] == 200:
                    break
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


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
