"""A hand-written junk corpus sent to every endpoint of the API, with the key of the role
that may use it: never a 5xx, every error a problem+json with a known code, and nothing
written by a refused request."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask

from tests.web.api.conftest import ApiWorld, counts, ledger_ok
from voucher.domain.errors import MESSAGES

KEY_FOR = (
    ("/api/v1/vouchers", "reception"),
    ("/api/v1/redemptions", "reception"),
    ("/api/v1/programmes", "funder"),
    ("/api/v1/batches", "funder"),
    ("/api/v1/books", "prescriber"),
    ("/api/v1/holds", "finance"),
    ("/api/v1/audit", "admin"),
    ("/api/v1/structures", "reception"),
)
BIG = "7" * 100_000
#: JSON bodies, as bytes (some are not JSON, or not UTF-8)
BODIES: list[bytes] = [
    b'{"code": "\\ud800"}',
    b'{"code": "\\udfff\\ud800", "theme": "\\ud800"}',
    b'{"code": "12\\u0000"}',
    b'{"code": "\\u0001\\u001b[31m\\u007f\\u0085"}',
    b'{"\\ud800": 1}',
    json.dumps({"code": BIG, "books": BIG, "scans": BIG, "to": BIG}).encode(),
    json.dumps({"code": "&é\"'(-è_çà&é\"'(", "theme": "numérique"}).encode(),  # AZERTY row
    json.dumps({"code": "１２３４５６７８９０１２"}).encode(),  # fullwidth digits
    json.dumps({"code": "١٢٣٤٥٦٧٨٩٠١٢"}).encode(),  # Arabic-Indic digits
    json.dumps({"code": "ОІ23-4567-89O1"}).encode(),  # Cyrillic and Latin letters for digits
    json.dumps({"code": "0" * 64 + "\u200b"}).encode(),  # zero width space
    b"[" * 100_000 + b"]" * 100_000,
    b'{"a":' * 50 + b"1" + b"}" * 50,
    b'{"code": "\xe9t\xe9"}',  # latin-1, not UTF-8
    '{"code": "1234"}'.encode("utf-16"),
    b'\xef\xbb\xbf{"code": "1234"}',  # BOM
    b'{"books": 1e400, "amount_cents": -0, "n": NaN}',
    b'{"books": ' + b"9" * 5000 + b"}",
    b'{"scans": [{"scan_id": "\\ud800", "code": "\\u0000", "scanned_at": "\\ud800"}]}',
    b'{"scans": [' + b"[" * 40 + b"]" * 40 + b"]}",
    b"",
    b"null",
    b'"\\ud800"',
    b"{",
]
HEADERS: list[dict[str, str]] = [
    {"X-Forwarded-For": "fe80::1%" + "eth0" * 20},
    {"X-Forwarded-For": ", ".join(f"10.0.{i // 250}.{i % 250}" for i in range(1000))},
    {"X-Forwarded-For": "\u00e9t\u00e9, not an address"},
    {"User-Agent": "U" * 7000},
    {"User-Agent": "x" * 9000},
    {"Idempotency-Key": "k" * 5000},
    {"Idempotency-Key": "clé\u00e9"},
    {"Accept": "text/html;q=2, */*;q=nan"},
    {"Authorization": "Bearer " + "z" * 6000},
]
PATHS = [
    "/api/v1/vouchers/%00",
    "/api/v1/vouchers/%ED%A0%80",  # a surrogate written as UTF-8
    "/api/v1/vouchers/%FF%FE",
    "/api/v1/vouchers/" + "1" * 5000,
    "/api/v1/redemptions?page=%00",
    "/api/v1/redemptions?page=" + "9" * 5000,
    "/api/v1/redemptions?status=%ED%A0%80&page_size=-1",
    "/api/v1/programmes/99999999999999999999999",
    "/api/v1/" + "a/" * 3000,
    "/api/v1/batches?" + "&".join(f"x{i}=1" for i in range(2000)),
]


def endpoints(app: Flask, world: ApiWorld) -> list[tuple[str, str]]:
    """Every API route and method, its parameters filled with ids of our world."""
    found = []
    values = {
        "code": world.codes[0],
        "serial": str(world.first_serial),
        "batch_id": str(world.batch_id),
        "programme_id": str(world.programme_id),
        "structure_id": str(world.structure_id),
    }
    for rule in app.url_map.iter_rules():
        path = str(rule)
        if not path.startswith("/api/"):
            continue
        filled = re.sub(r"<(?:[^:>]+:)?([^>]+)>", lambda m: values.get(m.group(1), "1"), path)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append((method, filled))
    return found


def key_for(path: str, world: ApiWorld) -> str:
    return next((world.keys[r] for p, r in KEY_FOR if path.startswith(p)), world.keys["reception"])


def well_formed(response: Any, what: Any) -> int:
    response.get_data()
    response.close()
    assert response.status_code < 500, (what, response.status_code, response.get_data()[:300])
    if response.status_code >= 400:
        assert response.mimetype == "application/problem+json", (what, response.status_code)
        body = json.loads(response.get_data())
        assert body["code"] in MESSAGES and body["status"] == response.status_code, (what, body)
        assert "Traceback" not in response.get_data(as_text=True)
    if "Retry-After" in response.headers:
        assert response.status_code in (429, 503), what
    return response.status_code


def send(client: Any, method: str, path: str, key: str, **kw: Any) -> Any:
    headers = {"Authorization": f"Bearer {key}", "Idempotency-Key": "junk-1"}
    headers.update(kw.pop("headers", {}))
    return client.open(path, method=method, headers=headers, **kw)


@pytest.fixture
def unlimited(app: Flask) -> Flask:
    app.config.update(
        API_LOOKUP_LIMIT="100000 per minute",
        API_REDEEM_LIMIT="100000 per minute",
        API_BATCH_LIMIT="100000 per minute",
        API_ADDRESS_LIMIT="100000 per minute",
        API_AUDIT_LIMIT="100000 per minute",
    )
    return app


def test_junk_bodies_to_every_endpoint(unlimited, client, world):
    before = counts(unlimited)
    seen: dict[int, int] = {}
    for method, path in endpoints(unlimited, world):
        key = key_for(path, world)
        for body in BODIES if method == "POST" else BODIES[:1]:
            r = send(
                client, method, path, key, data=body, headers={"Content-Type": "application/json"}
            )
            status = well_formed(r, (method, path, body[:60]))
            seen[status] = seen.get(status, 0) + 1
    assert seen.get(400, 0) > 100
    after = counts(unlimited)
    assert after["Redemption"] == before["Redemption"]
    assert ledger_ok(unlimited)


def test_junk_headers_and_addresses_to_every_endpoint(unlimited, client, world):
    for method, path in endpoints(unlimited, world):
        key = key_for(path, world)
        for headers in HEADERS:
            r = send(client, method, path, key, headers=headers)
            well_formed(r, (method, path, list(headers.items())[0][1][:40]))
    for path in PATHS:
        well_formed(send(client, "GET", path, key_for(path, world)), path[:60])


def test_control_characters_in_a_header_are_refused_and_latin_text_is_not(unlimited, client, world):
    key = world.keys["reception"]
    for bad in ("a\x01b", "a\x1fb", "a\x7fb", "\x00"):
        r = send(client, "GET", "/api/v1/ping", key, headers={"X-Note": bad})
        assert well_formed(r, repr(bad)) == 400
        assert json.loads(r.get_data())["code"] == "invalid_text", repr(bad)
    for fine in ("a\tb", "\u00e9t\u00e9", "~ !"):
        r = send(client, "GET", "/api/v1/ping", key, headers={"X-Note": fine})
        assert well_formed(r, repr(fine)) == 200, repr(fine)


def test_huge_and_chunked_bodies(unlimited, client, world):
    key = world.keys["reception"]
    huge = b'{"code": "' + b"1" * (5 * 1024 * 1024 // 2) + b'"}'
    r = send(
        client,
        "POST",
        "/api/v1/redemptions",
        key,
        data=huge,
        headers={"Content-Type": "application/json"},
    )
    assert well_formed(r, "huge") == 413
    assert r.get_json(force=True)["code"] == "payload_too_large"
    chunked = send(
        client,
        "POST",
        "/api/v1/redemptions",
        key,
        input_stream=__import__("io").BytesIO(huge),
        headers={"Content-Type": "application/json", "Transfer-Encoding": "chunked"},
        environ_base={"wsgi.input_terminated": True},
    )
    assert well_formed(chunked, "chunked") in (400, 413)


def test_a_lone_surrogate_is_a_stable_400(unlimited, client, world):
    r = send(
        client,
        "POST",
        "/api/v1/redemptions",
        world.keys["reception"],
        data=b'{"code": "\\ud800"}',
        headers={"Content-Type": "application/json"},
    )
    assert r.status_code == 400
    assert r.get_json(force=True)["code"] == "invalid_text"
    deep = send(
        client,
        "POST",
        "/api/v1/redemptions",
        world.keys["reception"],
        data=b"[" * 100_000 + b"]" * 100_000,
        headers={"Content-Type": "application/json"},
    )
    assert deep.status_code == 400 and deep.get_json(force=True)["code"] == "json_too_deep"


def test_a_bad_scan_in_a_batch_is_answered_alone_and_the_others_are_saved(unlimited, client, world):
    now = datetime.now(UTC).isoformat()
    for n, bad in enumerate(("\\ud800", "12\\u0000", "\\u0007", "", "1" * 65)):
        scans = [
            {"scan_id": f"good-{n}-a", "code": world.codes[2 * n], "scanned_at": now},
            {"scan_id": f"bad-{n}", "code": "PLACEHOLDER", "scanned_at": now},
            {"scan_id": f"good-{n}-b", "code": world.codes[2 * n + 1], "scanned_at": now},
        ]
        body = json.dumps({"scans": scans}).replace("PLACEHOLDER", bad).encode()
        for resend in (False, True):
            r = send(
                client,
                "POST",
                "/api/v1/redemptions/batch",
                world.keys["reception"],
                data=body,
                headers={"Content-Type": "application/json"},
            )
            assert r.status_code == 200, r.get_data(as_text=True)
            results = r.get_json()["results"]
            assert [x["scan_id"] for x in results] == [s["scan_id"] for s in scans]
            assert [x["status"] for x in results] == ["accepted", "refused", "accepted"]
            assert results[1]["reason"] == ("invalid_text" if "\\u" in bad else "invalid_request")
            assert [x["replayed"] for x in results] == [resend, False, resend]
    assert ledger_ok(unlimited)
