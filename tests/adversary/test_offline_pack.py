"""A desk offline for a day: with the pack downloaded in the morning it accepts the codes
that were usable then, refuses unknown and already-used ones, never holds a code; its
upload is reconciled by the server (a code used elsewhere meanwhile is reported refused),
and a refresh removes what was used since. A pack altered on the way does not verify."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from voucher.domain import codes
from voucher.domain import offline_pack as rules


class Desk:
    """What a scanner app does with the pack, offline."""

    def __init__(self, document: dict, secret: str) -> None:
        assert rules.verify(secret, document)
        self.salt = rules.unb64(document["salt"])
        self.packed = rules.unb64(document["added"])
        self.as_of = document["as_of"]

    def accepts(self, code: str) -> bool:
        return codes.is_valid(code) and rules.contains(self.packed, rules.entry(self.salt, code))

    def refresh(self, document: dict, secret: str) -> None:
        assert rules.verify(secret, document) and not document["full"]
        added, removed = rules.unb64(document["added"]), rules.unb64(document["removed"])
        self.packed = rules.apply(self.packed, added, removed)
        self.as_of = document["as_of"]


def unknown_code() -> str:
    body = "99999999999999999999999"
    return next(body + d for d in "0123456789" if codes.is_valid(body + d))


def test_a_desk_offline_for_a_day(as_key, world):
    reception, elsewhere = as_key("reception"), as_key("other_reception")
    used = reception.post(
        "/api/v1/redemptions", json={"code": world.codes[0]}, headers={"Idempotency-Key": "u"}
    )
    assert used.status_code == 201
    answer = reception.get("/api/v1/offline-pack")
    assert answer.status_code == 200
    document = answer.get_json()
    text = answer.get_data(as_text=True)
    assert not any(code in text for code in world.codes)  # never a code
    assert document["full"] and document["programmes"] == [
        world.programme_id,
        world.other_programme_id,
    ]
    desk = Desk(document, world.keys["reception"])

    # offline: known-good accepted, already used and unknown refused, inactive refused
    assert desk.accepts(world.codes[1]) and desk.accepts(world.codes[2])
    assert not desk.accepts(world.codes[0])
    assert not desk.accepts(unknown_code())
    assert not desk.accepts(world.inactive_codes[0])
    # meanwhile, another place redeems a code the desk will also accept offline
    taken = elsewhere.post(
        "/api/v1/redemptions", json={"code": world.codes[2]}, headers={"Idempotency-Key": "e"}
    )
    assert taken.status_code == 201

    morning = datetime.now(UTC) - timedelta(hours=1)
    upload = reception.post(
        "/api/v1/redemptions/batch",
        json={
            "scans": [
                {"scan_id": "off-1", "code": world.codes[1], "scanned_at": morning.isoformat()},
                {"scan_id": "off-2", "code": world.codes[2], "scanned_at": morning.isoformat()},
            ]
        },
    ).get_json()
    results = {r["scan_id"]: r for r in upload["results"]}
    assert results["off-1"]["status"] in ("accepted", "held")
    assert results["off-2"]["status"] == "refused"
    assert results["off-2"]["reason"] == "already_redeemed"

    refresh = reception.get("/api/v1/offline-pack", query_string={"since": desk.as_of})
    desk.refresh(refresh.get_json(), world.keys["reception"])
    for code in world.codes[:3]:
        assert not desk.accepts(code)  # used since the morning: removed by the refresh
    assert desk.accepts(world.codes[3])


def test_a_tampered_pack_or_another_keys_pack_does_not_verify(as_key, world):
    document = as_key("reception").get("/api/v1/offline-pack").get_json()
    assert rules.verify(world.keys["reception"], document)
    assert not rules.verify(world.keys["reception_2"], document)
    forged = dict(document, added=rules.b64(rules.unb64(document["added"]) + b"\x00\x00\x00\x01"))
    assert not rules.verify(world.keys["reception"], forged)
    for role in ("funder", "prescriber"):
        assert as_key(role).get("/api/v1/offline-pack").status_code == 403
