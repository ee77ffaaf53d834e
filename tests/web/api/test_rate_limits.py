"""Rate limits per key and per address (Flask-Limiter, explicit storage): the caller gets
a 429 problem with Retry-After, and other keys are not affected."""

from __future__ import annotations

from tests.web.api.conftest import problem


def test_scans_are_limited_per_key(app, as_key, world):
    app.config["API_REDEEM_LIMIT"] = "2 per minute"
    api = as_key("reception")
    for n in range(2):
        r = api.post(
            "/api/v1/redemptions",
            json={"code": world.codes[n]},
            headers={"Idempotency-Key": f"r-{n}"},
        )
        assert r.status_code == 201
    r = api.post(
        "/api/v1/redemptions", json={"code": world.codes[2]}, headers={"Idempotency-Key": "r-2"}
    )
    problem(r, 429, "rate_limited")
    assert int(r.headers["Retry-After"]) > 0
    other = as_key("reception_2").post(
        "/api/v1/redemptions", json={"code": world.codes[2]}, headers={"Idempotency-Key": "r-2"}
    )
    assert other.status_code == 201


def test_look_ups_are_limited_per_address_too(app, as_key, world):
    app.config["API_ADDRESS_LIMIT"] = "3 per minute"
    for name in ("reception", "reception_2", "other_reception"):
        assert as_key(name).get(f"/api/v1/vouchers/{world.codes[0]}").status_code == 200
    problem(as_key("reception").get(f"/api/v1/vouchers/{world.codes[0]}"), 429, "rate_limited")
    elsewhere = as_key("reception").get(
        f"/api/v1/vouchers/{world.codes[0]}", environ_base={"REMOTE_ADDR": "198.51.100.7"}
    )
    assert elsewhere.status_code == 200


def test_the_storage_is_the_configured_one(app):
    assert (
        app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    )  # redis:// in production (docs/api.md)
