"""Flask-Limiter with explicit storage (RATELIMIT_STORAGE_URI; ``memory://`` is per worker
and per host, ``redis://`` shares the counts between workers and hosts).

Rules kept:

* the client address is the socket's peer, or what ``X-Forwarded-For`` says through the
  configured number of trusted proxies only (``VOUCHER_TRUSTED_PROXIES``, default 0:
  Werkzeug's ``ProxyFix``): a client cannot choose its address;
* ``Retry-After`` is sent on 429 and 503 answers only, equal to the body's
  ``retry_after`` (the limiter's own headers are off; ``X-RateLimit-*`` are written here).
"""

from __future__ import annotations

import math
import os
import time

from flask import Flask, Response, request
from flask_limiter import Limiter
from werkzeug.middleware.proxy_fix import ProxyFix

from voucher.domain import text


def client_address() -> str:
    """The client's address (validated), ``?`` when the peer has none."""
    return text.address(request.remote_addr) or "?"


limiter = Limiter(key_func=client_address, default_limits=[])


def retry_after() -> int:
    """Seconds until the limit just hit lets the next request through (at least 1)."""
    current = limiter.current_limit
    if current is None:
        return 1
    return max(1, math.ceil(current.reset_at - time.time()))


def _retry_only_when_refused(response: Response) -> Response:
    if response.status_code not in (429, 503):
        response.headers.pop("Retry-After", None)
    return response


def _rate_headers(response: Response) -> Response:
    """``X-RateLimit-*`` of the limit that counted this request (the API's contract declares
    them); written here because the limiter's own headers would add ``Retry-After`` too."""
    current = limiter.current_limit
    if current is not None:
        response.headers["X-RateLimit-Limit"] = str(current.limit.amount)
        response.headers["X-RateLimit-Remaining"] = str(max(0, current.remaining))
        response.headers["X-RateLimit-Reset"] = str(math.ceil(current.reset_at))
    return response


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", False)
    proxies = int(app.config.get("TRUSTED_PROXIES", os.environ.get("VOUCHER_TRUSTED_PROXIES", 0)))
    if proxies > 0:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=0, x_prefix=0
        )
    limiter.init_app(app)
    app.after_request(_retry_only_when_refused)
    app.after_request(_rate_headers)
