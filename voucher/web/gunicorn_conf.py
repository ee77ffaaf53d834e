"""gunicorn settings for ``voucher serve`` (``gunicorn -c python:voucher.web.gunicorn_conf``):
every answer is problem+json, even those gunicorn writes itself.

* gunicorn's own request-line and header limits are raised above the app's (4,096 and
  8,192 characters, :mod:`voucher.web.hygiene`), so the app answers 414 ``uri_too_long``
  and 431 ``header_too_large`` with its own problem;
* a request running past ``VOUCHER_REQUEST_DEADLINE`` seconds (50 by default, below
  gunicorn's ``timeout``) is interrupted inside the app (an alarm in the sync worker):
  its transaction is rolled back and the client gets 503 ``request_timeout`` with
  ``Retry-After``, instead of a worker killed mid-answer (threaded workers, which the
  default does not use, cannot take the alarm: only gunicorn's ``timeout`` applies there);
* ``workers``: sync workers, one per core by default (``VOUCHER_WORKERS`` overrides it);
* what gunicorn still refuses before the app sees it (a malformed request line, an
  invalid header, a bad chunk size, an address over 8,190 characters) is written as a
  problem+json with a stable code instead of gunicorn's HTML page.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from typing import Any

import gunicorn.util

limit_request_line = 8190  # gunicorn's maximum; the app refuses above 4,096
limit_request_field_size = 16380  # the app refuses a header above 8,192
timeout = 60
accesslog = "-"
#: sync workers, one per core (docs/performance.md, B2: measured against more workers and
#: threads on two cores); ``voucher serve --workers`` or ``VOUCHER_WORKERS`` overrides it
workers = int(os.environ.get("VOUCHER_WORKERS") or os.cpu_count() or 2)

#: gunicorn's status -> (code, French title); the codes are the API's (docs/error-codes.md)
CODES = {
    400: ("bad_request", "Requête incorrecte."),
    403: ("forbidden", "Vous n'avez pas le droit de faire cette action."),
    414: ("uri_too_long", "Adresse trop longue."),
    417: ("bad_request", "Requête incorrecte."),
    431: ("header_too_large", "En-tête de requête trop long."),
    501: ("bad_request", "Requête incorrecte."),
}
INTERNAL = (
    "internal_error",
    "Erreur interne : l'équipe technique a été prévenue. Rien n'a été enregistré.",
)


def problem_bytes(status: int, reason: str) -> bytes:
    """The whole HTTP answer gunicorn sends for an error it meets itself."""
    code, title = CODES.get(status, INTERNAL)
    body = json.dumps(
        {
            "type": f"/api/v1/docs#code-{code}",
            "title": title,
            "status": status,
            "detail": title,
            "code": code,
        },
        ensure_ascii=False,
    ).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\n"
        f"Content-Type: application/problem+json\r\nContent-Length: {len(body)}\r\n\r\n"
    )
    return head.encode("latin-1") + body


def write_error(sock: Any, status_int: int, reason: str, mesg: str) -> None:
    gunicorn.util.write_nonblock(sock, problem_bytes(status_int, reason))


gunicorn.util.write_error = write_error


def _expired(signum: int, frame: Any) -> None:
    from voucher.web.errors import RequestDeadline

    raise RequestDeadline()


def _main_thread() -> bool:
    return threading.current_thread() is threading.main_thread()


def pre_request(worker: Any, req: Any) -> None:
    if not _main_thread():  # threaded workers (gthread): only gunicorn's own timeout applies
        return
    signal.signal(signal.SIGALRM, _expired)
    signal.alarm(int(os.environ.get("VOUCHER_REQUEST_DEADLINE", "50")))


def post_request(worker: Any, req: Any, environ: Any, resp: Any) -> None:
    if _main_thread():
        signal.alarm(0)


#: the job worker ``voucher serve`` starts alongside (``VOUCHER_SERVE_WORKER=1``; docs/jobs.md)
_job_worker: list[subprocess.Popen[bytes]] = []


def when_ready(_server: Any) -> None:
    if os.environ.get("VOUCHER_SERVE_WORKER") == "1":
        command = [sys.executable, "-m", "voucher", "worker"]
        _job_worker.append(subprocess.Popen(command))  # noqa: S603


def on_exit(_server: Any) -> None:
    for process in _job_worker:
        process.terminate()
        process.wait(timeout=30)
