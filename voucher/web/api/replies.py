"""Successful JSON answers, serialised once (the exact text an idempotent replay returns)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from flask import Response

from voucher.services.access.api_reads import Page, SyncPage


def dumps(payload: Any) -> str:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":"))


def ok(payload: Any, status: int = 200) -> Response:
    return Response(dumps(payload), status=status, mimetype="application/json")


def page(result: Page, dump: Callable[[Any], dict[str, Any]]) -> Response:
    return ok(
        {
            "items": [dump(item) for item in result.items],
            "page": result.page,
            "page_size": result.page_size,
            "total": result.total,
        }
    )


def sync(result: SyncPage, dump: Callable[[Any], dict[str, Any]]) -> Response:
    return ok(
        {
            "items": [dump(item) for item in result.items],
            "next_cursor": result.next_cursor,
            "as_of": result.as_of.isoformat(),
        }
    )
