"""A structure asks: would this code be accepted here, now? Without learning anything about
the person who holds it, and without being able to guess codes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import time_machine
from sqlalchemy import select
from stdnum import damm

from tests import factories as f
from tests.web.api.conftest import counts, problem
from voucher.db.engine import unit_of_work
from voucher.db.models import FraudFlag
from voucher.services.issuance import handout

UNKNOWN = "0" * 23 + damm.calc_check_digit("0" * 23)


def unknown(n: int) -> str:
    body = f"{n:023d}"
    return body + damm.calc_check_digit(body)


def test_an_active_voucher_is_acceptable_with_the_documented_shape(as_key, world):
    r = as_key("reception").get(f"/api/v1/vouchers/{world.codes[0]}")
    assert r.status_code == 200
    body = r.get_json()
    assert {
        "code",
        "status",
        "face_value_cents",
        "programme",
        "valid_until",
        "acceptable",
        "reason",
    } <= set(body)
    assert body["acceptable"] is True and body["reason"] is None and body["status"] == "active"
    assert body["programme"] == {"id": world.programme_id, "name": "Pass numérique test"}
    assert body["face_value_cents"] == 1000 and body["valid_until"] == "2099-12-31"


def test_a_code_typed_with_spaces_dashes_and_an_azerty_scanner_is_understood(as_key, world):
    code = world.codes[0]
    spaced = " ".join(code[i : i + 4] for i in range(0, 24, 4))
    azerty = code.translate(str.maketrans("1234567890", "&é\"'(-è_çà"))
    for typed in (spaced, "-".join(code[i : i + 4] for i in range(0, 24, 4)), azerty):
        r = as_key("reception").get("/api/v1/vouchers/" + typed)
        assert r.status_code == 200 and r.get_json()["code"] == code


def test_a_voucher_that_would_be_refused_says_why(as_key, world):
    api = as_key("reception")
    inactive = api.get(f"/api/v1/vouchers/{world.inactive_codes[0]}").get_json()
    assert inactive["acceptable"] is False and inactive["reason"] == "not_active"
    api.post(
        "/api/v1/redemptions", json={"code": world.codes[0]}, headers={"Idempotency-Key": "v-1"}
    )
    used = api.get(f"/api/v1/vouchers/{world.codes[0]}").get_json()
    assert (
        used["acceptable"] is False
        and used["reason"] == "already_redeemed"
        and used["status"] == "redeemed"
    )


def test_unknown_and_mistyped_codes_answer_404_and_422(as_key, world):
    api = as_key("reception")
    problem(api.get(f"/api/v1/vouchers/{UNKNOWN}"), 404, "unknown_code")
    problem(
        api.get(f"/api/v1/vouchers/{world.codes[0][:-1]}{(int(world.codes[0][-1]) + 3) % 10}"),
        422,
        "mistyped_code",
    )


def test_a_look_up_never_reveals_the_beneficiary(as_key, world, app):
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        handout.hand_out(
            s,
            f.ACTOR,
            serial=world.first_serial,
            prescriber_id=world.prescriber_id,
            profile=f.profile("dossier-secret-42"),
            key=app.config["PSEUDONYM_KEY"],
        )
    r = as_key("reception").get(f"/api/v1/vouchers/{world.codes[0]}")
    text = r.get_data(as_text=True)
    assert r.get_json()["status"] == "distributed"
    for leak in ("beneficiary", "dossier", "seniors", "soixante", "pseudonym", "86194"):
        assert leak not in text


def test_only_reception_keys_look_codes_up(as_key, world):
    for role in ("funder", "prescriber", "finance", "admin"):
        problem(as_key(role).get(f"/api/v1/vouchers/{world.codes[0]}"), 403, "forbidden")
    problem(as_key(None).get(f"/api/v1/vouchers/{world.codes[0]}"), 401, "unauthenticated")


def test_a_look_up_writes_nothing_but_unknown_codes_are_logged(as_key, world, app):
    api = as_key("reception")
    before = counts(app)
    api.get(f"/api/v1/vouchers/{world.codes[0]}")
    assert counts(app) == before
    api.get(f"/api/v1/vouchers/{UNKNOWN}")
    after = counts(app)
    assert (
        after["RefusedScan"] == before["RefusedScan"] + 1
        and after["Redemption"] == before["Redemption"]
    )


def test_guessing_codes_slows_the_key_down_then_locks_it_and_raises_an_alert(as_key, world, app):
    api = as_key("reception")
    with time_machine.travel(datetime.now(UTC), tick=False) as clock:
        for n in range(5):
            problem(api.get(f"/api/v1/vouchers/{unknown(n + 1)}"), 404, "unknown_code")
        slowed = problem(api.get(f"/api/v1/vouchers/{unknown(99)}"), 429, "too_many_attempts")
        assert slowed["retry_after"] > 0
        # a slowed key cannot scan either; the throttling answer is not stored for its key
        r = api.post(
            "/api/v1/redemptions", json={"code": world.codes[0]}, headers={"Idempotency-Key": "g-1"}
        )
        assert problem(r, 429, "too_many_attempts") and r.headers["Retry-After"]
        for n in range(5):
            clock.shift(timedelta(seconds=31))
            problem(api.get(f"/api/v1/vouchers/{unknown(n + 10)}"), 404, "unknown_code")
        clock.shift(timedelta(seconds=31))
        problem(api.get(f"/api/v1/vouchers/{world.codes[0]}"), 429, "locked")
        # another structure's key, from another address, is not slowed by this one
        other = as_key("other_reception")
        r = other.get(
            f"/api/v1/vouchers/{world.other_codes[0]}", environ_base={"REMOTE_ADDR": "192.0.2.99"}
        )
        assert r.status_code == 200
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        alerts = s.scalars(select(FraudFlag).where(FraudFlag.rule == "code_guessing")).all()
        assert len(alerts) == 1 and alerts[0].details["source"] in ("api_key_id", "ip")
    r = api.post(
        "/api/v1/redemptions", json={"code": world.codes[0]}, headers={"Idempotency-Key": "g-1"}
    )
    problem(r, 429, "locked")
