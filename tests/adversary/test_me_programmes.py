"""A reception key asks ``/me`` which programmes it may accept: the answer follows the
programmes' own acceptance lists (a programme that names other places is left out) and
agrees with what a scan answers, for both places."""

from __future__ import annotations

from tests.web.api.conftest import problem
from voucher.db.engine import unit_of_work
from voucher.db.models import ProgrammeStructure


def test_me_lists_only_the_programmes_a_scan_would_accept(app, as_key, world):
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        s.add(
            ProgrammeStructure(
                programme_id=world.other_programme_id, structure_id=world.other_structure_id
            )
        )
    mine = as_key("reception").get("/api/v1/me").get_json()
    theirs = as_key("other_reception").get("/api/v1/me").get_json()
    assert mine["structure"]["id"] == world.structure_id
    assert [p["id"] for p in mine["programmes"]] == [world.programme_id]
    assert theirs["structure"]["id"] == world.other_structure_id
    assert [p["id"] for p in theirs["programmes"]] == [
        world.programme_id,
        world.other_programme_id,
    ]
    refused = as_key("reception").post(
        "/api/v1/redemptions", json={"code": world.other_codes[0]}, headers={"Idempotency-Key": "a"}
    )
    problem(refused, 422, "not_accepted_here")
    for key, code in (("reception", world.codes[0]), ("other_reception", world.other_codes[0])):
        answer = as_key(key).post(
            "/api/v1/redemptions", json={"code": code}, headers={"Idempotency-Key": f"b-{key}"}
        )
        assert answer.status_code == 201, answer.get_data(as_text=True)
    # the offline pack covers the same programmes as /me
    pack = as_key("reception").get("/api/v1/offline-pack").get_json()
    assert pack["programmes"] == [world.programme_id]
