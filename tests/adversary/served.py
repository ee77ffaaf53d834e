"""A real ``voucher serve`` (gunicorn with its settings) on a free port, and raw HTTP."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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


@contextmanager
def serving(database_url: str, instance: Path, **env: str) -> Iterator[int]:
    """gunicorn with ``voucher serve``'s settings, one worker, on a free port."""
    port = _free_port()
    environ = {
        **os.environ,
        "DATABASE_URL": database_url,
        "VOUCHER_INSTANCE": str(instance),
        "PYTHONPATH": str(ROOT),
        **env,
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
        env=environ,
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
