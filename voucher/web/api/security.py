"""Bearer API keys and rate limits for the JSON API.

Rules kept:

* ``Authorization: Bearer <key>``; no header → 401 ``unauthenticated``; unknown or revoked
  key → 401 ``invalid_api_key``; a key whose role is not allowed → 403 ``forbidden``;
* the acting :class:`~voucher.services.context.Actor` is the key: its organisation and role,
  never a person; its last use is committed on its own (at most once a minute), before the
  request's own transaction starts;
* rate limits (Flask-Limiter's storage, from ``RATELIMIT_STORAGE_URI``; ``memory://`` counts
  per worker, use ``redis://`` with several workers) apply per key and per address; their
  values come from the app config (``API_*_LIMIT``), overridable from the environment; both
  buckets are counted by :func:`voucher.web.limits.count`;
* a key's calls are counted by its id, after it was authenticated: a wrong secret with a
  real key's prefix is counted against the sender's address only; unauthenticated calls
  are limited per address (before anything else).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import cache, wraps
from typing import Any, TypeVar

from flask import Flask, current_app, g, request
from limits import parse

from voucher.domain import text
from voucher.domain.errors import DomainError
from voucher.services.access import api_keys
from voucher.services.context import Actor
from voucher.web import limits
from voucher.web.db import db, recording

F = TypeVar("F", bound=Callable[..., Any])

LIMITS = {  # config name -> (environment variable, default)
    "API_LOOKUP_LIMIT": ("VOUCHER_API_LOOKUP_LIMIT", "120 per minute"),
    "API_REDEEM_LIMIT": ("VOUCHER_API_REDEEM_LIMIT", "120 per minute"),
    "API_BATCH_LIMIT": ("VOUCHER_API_BATCH_LIMIT", "30 per minute"),
    "API_ADDRESS_LIMIT": ("VOUCHER_API_ADDRESS_LIMIT", "600 per minute"),
    "API_AUDIT_LIMIT": ("VOUCHER_API_AUDIT_LIMIT", "6 per hour"),
}


def configure(app: Flask) -> None:
    for name, (env, default) in LIMITS.items():
        app.config.setdefault(name, os.environ.get(env, default))


def bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def client_address() -> str:
    return limits.client_address()


def address_bucket() -> str:
    return "addr:" + client_address()


def per_key(name: str) -> Callable[[F], F]:
    """The view's calls are counted per API key (by its id), once the key is known to be
    valid (:func:`authenticate`): a client sending a key's public prefix with a wrong secret
    never fills that key's bucket (it is counted per address)."""

    def wrap(view: F) -> F:
        @wraps(view)
        def inner(*args: Any, **kwargs: Any) -> Any:
            g.api_key_limit = name
            return view(*args, **kwargs)

        return inner  # type: ignore[return-value]

    return wrap


_parse = cache(parse)  # a limit's text is parsed once per process, not once per request


def _count_key(key_id: int) -> None:
    name = g.get("api_key_limit")
    if name is None:
        return
    item = _parse(str(current_app.config[name]))
    names = (str(current_app.config.get("RATELIMIT_KEY_PREFIX", "")), "api-key", name, str(key_id))
    allowed, _remaining, reset = limits.count(item, *names)
    if not allowed:
        raise DomainError("rate_limited", retry_after=limits.wait_until(reset))


def per_address() -> Callable[[F], F]:
    """The view's calls are counted per client address, before anything else (the key is
    not read yet), in the bucket Flask-Limiter's ``limit(..., scope="api-address")`` used
    (per view); the answer carries this bucket's ``X-RateLimit-*`` headers."""

    def wrap(view: F) -> F:
        @wraps(view)
        def inner(*args: Any, **kwargs: Any) -> Any:
            item = _parse(str(current_app.config["API_ADDRESS_LIMIT"]))
            prefix = str(current_app.config.get("RATELIMIT_KEY_PREFIX") or "")
            names = (address_bucket(), f"{request.endpoint}:api-address")
            allowed, remaining, reset = limits.count(item, *((prefix,) if prefix else ()), *names)
            limits.counted(item, remaining, reset)
            if not allowed:
                raise DomainError("rate_limited", retry_after=limits.wait_until(int(reset + 1)))
            return view(*args, **kwargs)

        return inner  # type: ignore[return-value]

    return wrap


def authenticate(*roles: str) -> Actor:
    token = bearer()
    if token is None:
        raise DomainError("unauthenticated")
    ip = None if (address := client_address()) == "?" else address  # validated already
    key = api_keys.authenticate(db(), token, address=ip)
    if key is None:
        raise DomainError("invalid_api_key")
    _count_key(key.id)
    recording("api_key.last_used")
    api_keys.touch(db(), key)
    if roles and key.role not in roles:
        raise DomainError("forbidden")
    actor = Actor(
        label=f"clé d'API « {key.name} » ({key.prefix})",
        api_key_id=key.id,
        organisation_id=key.organisation_id,
        role=key.role,
        ip=ip,
        device=text.fit(request.headers.get("User-Agent"), 100) or key.prefix,
        guessing_clear_after=key.guessing_clear_after,
    )
    g.api_actor = actor
    return actor


def key_required(*roles: str) -> Callable[[F], F]:
    """The view runs only for a valid key with one of ``roles`` (any role if none given)."""

    def wrap(view: F) -> F:
        @wraps(view)
        def inner(*args: Any, **kwargs: Any) -> Any:
            authenticate(*roles)
            return view(*args, **kwargs)

        inner.api_roles = roles  # type: ignore[attr-defined]  # read by GET /me
        return inner  # type: ignore[return-value]

    return wrap


def actor() -> Actor:
    actor_: Actor = g.api_actor
    return actor_
