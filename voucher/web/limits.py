"""Flask-Limiter with explicit storage (RATELIMIT_STORAGE_URI; ``memory://`` is per worker
and per host, ``redis://`` shares the counts between workers and hosts).

Rules kept:

* the client address is the socket's peer, or what ``X-Forwarded-For`` says through the
  configured number of trusted proxies only (``VOUCHER_TRUSTED_PROXIES``, default 0:
  Werkzeug's ``ProxyFix``): a client cannot choose its address;
* ``Retry-After`` is sent on 429 and 503 answers only, equal to the body's
  ``retry_after`` (the limiter's own headers are off; ``X-RateLimit-*`` are written here);
* the API's buckets are counted by :func:`count` (the limiter's own hooks pass over the
  API's requests, where no limiter decorator applies), in the limiter's storage and under the
  keys its fixed windows use (the limiter's default strategy): one call of the storage
  per bucket while the process knows when the window ends, where the limiter's decorator
  and headers took four.
"""

from __future__ import annotations

import math
import os
import time

from flask import Flask, Response, g, request
from flask_limiter import Limiter
from limits import RateLimitItem
from werkzeug.middleware.proxy_fix import ProxyFix

from voucher.domain import text

_ADDRESS = "voucher.client_address"


def client_address() -> str:
    """The client's address (validated), ``?`` when the peer has none; parsed once per
    request (the address bucket, the key's read and the actor all ask for it)."""
    environ = request.environ  # the request's own (``g`` may outlive it, in a test's context)
    found: str | None = environ.get(_ADDRESS)
    if found is None:
        found = environ[_ADDRESS] = text.address(request.remote_addr) or "?"
    return found


limiter = Limiter(key_func=client_address, default_limits=[])

#: the JSON API counts its own buckets (:func:`count`, from :mod:`voucher.web.api.security`)
API_PREFIX = "/api/"


@limiter.request_filter
def _counted_by_the_api() -> bool:
    """The limiter's own hooks pass over the API's requests: no API view carries a limiter
    decorator and there are no default limits, so they would only look for limits to
    apply and find none (on every request)."""
    return request.path.startswith(API_PREFIX)


#: the end of each window this process has seen open (storage key -> end), so that a
#: bucket's ``X-RateLimit-Reset`` costs no call of the storage while its window lasts
_WINDOW_ENDS: dict[str, float] = {}
_WINDOWS_KEPT = 4096


def count(item: RateLimitItem, *identifiers: str) -> tuple[bool, int, float]:
    """Count one request in ``item``'s bucket named by ``identifiers``, as the limiter's
    fixed window does (same storage, same key): (allowed, remaining, when the window ends).

    One call of the storage (its increment; one script on Redis) while this process knows
    when the window ends: it opened it (its increment came first), or it asked the
    storage once already for this window. Otherwise, and for every refused request (its
    ``Retry-After``), a second call asks the storage when the window ends. A fixed window
    never moves its end once open (the storage sets its expiry on the first increment
    only), so a known end holds until it passes."""
    storage = limiter.limiter.storage
    key = item.key_for(*identifiers)
    current = storage.incr(key, item.get_expiry())
    allowed, remaining = current <= item.amount, max(0, item.amount - current)
    now = time.time()
    if current == 1:
        reset = now + item.get_expiry()
    elif not allowed or (reset := _WINDOW_ENDS.get(key, 0.0)) <= now:
        reset = storage.get_expiry(key)
    if len(_WINDOW_ENDS) >= _WINDOWS_KEPT:
        _WINDOW_ENDS.clear()
    _WINDOW_ENDS[key] = reset
    return allowed, remaining, reset


def counted(item: RateLimitItem, remaining: int, reset: float) -> None:
    """The bucket whose ``X-RateLimit-*`` headers this answer carries (reset as the
    limiter's own ``reset_at``: the window's end, plus one second)."""
    g.rate_limit = (item.amount, remaining, int(reset + 1))


def retry_after() -> int:
    """Seconds until the limit just hit lets the next request through (at least 1)."""
    current = limiter.current_limit
    if current is None:
        return 1
    return wait_until(current.reset_at)


def wait_until(reset_at: float) -> int:
    """Seconds until ``reset_at`` (at least 1)."""
    return max(1, math.ceil(reset_at - time.time()))


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
    elif (mine := g.get("rate_limit")) is not None:
        response.headers["X-RateLimit-Limit"] = str(mine[0])
        response.headers["X-RateLimit-Remaining"] = str(mine[1])
        response.headers["X-RateLimit-Reset"] = str(mine[2])
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
