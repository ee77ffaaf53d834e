"""Flask-Limiter with explicit storage (RATELIMIT_STORAGE_URI; ``memory://`` is per worker,
use ``redis://`` in production with several workers)."""

from __future__ import annotations

from flask import Flask, request
from flask_limiter import Limiter


def _client_key() -> str:
    return request.headers.get("X-Forwarded-For", request.remote_addr or "?").split(",")[0].strip()


limiter = Limiter(key_func=_client_key, default_limits=[])


def init_app(app: Flask) -> None:
    app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
    limiter.init_app(app)
