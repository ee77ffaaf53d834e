"""The unlucky client whose answer was lost: every write resent with the same
Idempotency-Key gets the first answer back, byte for byte, marked ``Idempotent-Replayed``,
and nothing happens twice; the same key on another request is refused; a refusal is a
stored answer too."""

from __future__ import annotations

from tests.web.api.conftest import counts, problem

PROFILE = {
    "local_reference": "ML-2026-0042",
    "population": "jeunes_insertion",
    "age_band": "dix_huit_vingt_quatre",
    "social_status": "sans_emploi",
    "commune_insee": "86194",
    "consent": True,
}


def test_a_resent_hand_out_is_recognised_as_ones_own(as_key, world, app):
    path = f"/api/v1/books/{world.first_serial}/hand-out"
    prescriber = as_key("prescriber")
    first = prescriber.post(path, json=PROFILE, headers={"Idempotency-Key": "ho-1"})
    assert first.status_code == 200 and "Idempotent-Replayed" not in first.headers
    before = counts(app)
    again = prescriber.post(path, json=PROFILE, headers={"Idempotency-Key": "ho-1"})
    assert again.status_code == 200 and again.headers["Idempotent-Replayed"] == "true"
    assert again.get_data() == first.get_data()
    assert counts(app) == before  # no audit event, no record: nothing happened again
    other_book = f"/api/v1/books/{world.first_serial + 1}/hand-out"
    problem(
        prescriber.post(other_book, json=PROFILE, headers={"Idempotency-Key": "ho-1"}),
        422,
        "idempotency_key_reused",
    )
    problem(
        prescriber.post(path, json=PROFILE, headers={"Idempotency-Key": "ho-2"}),
        422,
        "book_already_handed_out",
    )


def test_a_refusal_is_replayed_as_it_was_answered(as_key, world, app):
    path = f"/api/v1/batches/{world.batch_id}/acknowledge"
    prescriber = as_key("prescriber")
    assert prescriber.post(path, headers={"Idempotency-Key": "ack-1"}).status_code == 200
    refused = prescriber.post(path, headers={"Idempotency-Key": "ack-2"})
    problem(refused, 409, "already_acknowledged")
    before = counts(app)
    again = prescriber.post(path, headers={"Idempotency-Key": "ack-2"})
    assert again.get_data() == refused.get_data() and again.headers["Idempotent-Replayed"]
    first_again = prescriber.post(path, headers={"Idempotency-Key": "ack-1"})
    assert first_again.status_code == 200 and first_again.headers["Idempotent-Replayed"]
    assert counts(app) == before


def test_cancel_move_report_and_activate_replay(as_key, world, app):
    reception = as_key("reception")
    scan = reception.post(
        "/api/v1/redemptions", json={"code": world.codes[0]}, headers={"Idempotency-Key": "s"}
    ).get_json()
    cancel = f"/api/v1/redemptions/{scan['redemption_id']}/cancel"
    sends = [
        (reception, cancel, None),
        (as_key("funder"), f"/api/v1/books/{world.first_serial + 2}/report", {"reason": "lost"}),
        (
            as_key("prescriber"),
            f"/api/v1/books/{world.first_serial + 1}/move",
            {"to_prescriber_id": world.other_prescriber_id},
        ),
        (as_key("funder"), f"/api/v1/batches/{world.inactive_batch_id}/activate", None),
    ]
    for who, path, body in sends:
        first = who.post(path, json=body, headers={"Idempotency-Key": f"k-{path}"})
        before = counts(app)
        again = who.post(path, json=body, headers={"Idempotency-Key": f"k-{path}"})
        assert again.status_code == first.status_code, path
        assert again.get_data() == first.get_data(), path
        assert again.headers["Idempotent-Replayed"] == "true", path
        assert counts(app) == before, path


def test_without_a_key_a_write_simply_runs(as_key, world):
    path = f"/api/v1/batches/{world.batch_id}/acknowledge"
    assert as_key("prescriber").post(path).status_code == 200
    problem(as_key("prescriber").post(path), 409, "already_acknowledged")


def test_me_tells_a_device_what_it_is(as_key, world):
    me = as_key("reception").get("/api/v1/me").get_json()
    assert me["role"] == "reception" and me["structure"]["id"] == world.structure_id
    assert me["organisation"]["id"] == world.structure_id
    # neither programme of the test world restricts places: both are accepted, and a scan agrees
    assert [p["id"] for p in me["programmes"]] == [world.programme_id, world.other_programme_id]
    scan = as_key("reception").post(
        "/api/v1/redemptions", json={"code": world.other_codes[0]}, headers={"Idempotency-Key": "m"}
    )
    assert scan.status_code == 201
    assert "redeemVoucher" in me["operations"] and "issueBatch" not in me["operations"]
    assert me["limits"]["redeem"] and me["key"]["prefix"]
    funder = as_key("funder").get("/api/v1/me").get_json()
    assert funder["structure"] is None and funder["programmes"] == []
    assert "issueBatch" in funder["operations"] and "redeemVoucher" not in funder["operations"]
    problem(as_key("revoked").get("/api/v1/me"), 401, "invalid_api_key")
