"""Two ``voucher serve`` instances on two ports, one database and one Redis
(``RATELIMIT_STORAGE_URI``): a key's limit holds across both, the same voucher sent to
both at once is redeemed once, and the ledger audit is green."""

from __future__ import annotations

import json
import os
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import redis

from tests.adversary.served import raw, serving
from tests.web.api.conftest import build, ledger_ok
from voucher.web.app import create_app

REDIS = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


def get(port: int, path: str, key: str) -> int:
    request = f"GET {path} HTTP/1.0\r\nAuthorization: Bearer {key}\r\n\r\n"
    return raw(port, request.encode())[0]


def redeem(port: int, code: str, key: str, scan_id: str) -> tuple[int, dict[str, Any]]:
    body = json.dumps({"code": code}).encode()
    request = (
        f"POST /api/v1/redemptions HTTP/1.0\r\nAuthorization: Bearer {key}\r\n"
        f"Idempotency-Key: {scan_id}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode() + body
    status, _, answer = raw(port, request)
    return status, json.loads(answer)


def test_limits_hold_across_two_servers_sharing_redis(fresh_engine: Any, tmp_path: Path) -> None:
    redis.Redis.from_url(REDIS).ping()  # scripts/test and .ci/run start redis-server
    url = fresh_engine.url.render_as_string(hide_password=False)
    app = create_app(
        {
            "DATABASE_URL": url,
            "INSTANCE_PATH": tmp_path,
            "SECRET_KEY": "t",
            "PSEUDONYM_KEY": b"k",
            "TESTING": True,
        }
    )
    world = build(app)
    env = {
        "RATELIMIT_STORAGE_URI": REDIS,
        "RATELIMIT_KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        "VOUCHER_API_LOOKUP_LIMIT": "6 per minute",
        "SECRET_KEY": "t",
    }
    with (
        serving(url, tmp_path / "a", **env) as one,
        serving(url, tmp_path / "b", **env) as two,
    ):
        path = f"/api/v1/vouchers/{world.codes[0]}"
        statuses = [get(port, path, world.keys["reception"]) for port in (one, two) * 4]
        assert statuses == [200] * 6 + [429] * 2
        assert get(one, path, world.keys["reception_2"]) == 200  # another key: its own bucket
        with ThreadPoolExecutor(8) as pool:
            answers = list(
                pool.map(
                    lambda n: redeem(
                        (one, two)[n % 2], world.codes[5], world.keys["reception"], f"twice-{n}"
                    ),
                    range(8),
                )
            )
    assert sorted(status for status, _ in answers) == [201] + [409] * 7
    assert {body.get("code") for status, body in answers if status == 409} == {"already_redeemed"}
    assert ledger_ok(app)
    app.extensions["voucher.engine"].dispose()
