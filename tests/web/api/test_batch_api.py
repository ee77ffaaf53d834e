"""Offline batches: a tablet in a rural café syncs a day of scans in one call; each scan
gets its own answer, one refusal never undoes its neighbours, resending changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.web.api.conftest import Api, build, counts, ledger_ok, problem
from voucher.domain.calendar import utcnow


def mistyped(code: str) -> str:
    return code[:-1] + str((int(code[-1]) + 1) % 10)


def send(api, scans):
    return api.post("/api/v1/redemptions/batch", json={"scans": scans})


def item(scan_id, code, at=None, **extra):
    return {"scan_id": scan_id, "code": code, "scanned_at": (at or utcnow()).isoformat(), **extra}


@pytest.fixture
def big(app):
    return build(app, books=100)


def test_a_thousand_scans_line_up_one_by_one_and_resending_changes_nothing(app, client, big):
    api = Api(client, big.keys["reception"])
    elsewhere = Api(client, big.keys["other_reception"])
    for n, code in enumerate(big.codes[990:993]):
        r = elsewhere.post(
            "/api/v1/redemptions", json={"code": code}, headers={"Idempotency-Key": f"e-{n}"}
        )
        assert r.status_code == 201
    earlier = utcnow() - timedelta(hours=3)
    scans = [item(f"s-{i}", code, earlier, theme="email") for i, code in enumerate(big.codes[:990])]
    scans += [
        item(f"e-{n}", code, earlier) for n, code in enumerate(big.codes[990:993])
    ]  # redeemed elsewhere
    scans += [item(f"m-{n}", mistyped(code), earlier) for n, code in enumerate(big.codes[993:996])]
    scans += [scans[0], scans[1]]  # the tablet sent two scans twice
    scans += [
        item("bip-1", big.codes[2], earlier),
        item("bip-2", big.codes[3], earlier),
    ]  # double bips
    assert len(scans) == 1000

    r = send(api, scans)
    assert r.status_code == 200
    body = r.get_json()
    results = body["results"]
    assert [x["scan_id"] for x in results] == [s["scan_id"] for s in scans]
    assert all(x["status"] == "accepted" and not x["replayed"] for x in results[:990])
    assert [x["reason"] for x in results[990:993]] == ["already_redeemed"] * 3
    assert [x["reason"] for x in results[993:996]] == ["mistyped_code"] * 3
    assert [(x["status"], x["replayed"]) for x in results[996:998]] == [("accepted", True)] * 2
    assert results[996]["redemption_id"] == results[0]["redemption_id"]
    assert [x["reason"] for x in results[998:]] == ["already_redeemed"] * 2
    assert (body["accepted"], body["held"], body["refused"]) == (992, 0, 8)
    assert (
        results[5]["voucher"]["code"] == big.codes[5]
        and results[990]["detail"] == "Ce chèque a déjà été encaissé."
    )
    assert ledger_ok(app)

    before = counts(app)
    again = send(api, scans).get_json()
    assert counts(app) == before
    assert [(x["status"], x["reason"], x["redemption_id"]) for x in again["results"]] == [
        (x["status"], x["reason"], x["redemption_id"]) for x in results
    ]
    assert all(x["replayed"] for x in again["results"])
    assert before["Redemption"] == 993 and before["RefusedScan"] == 3 + 3 + 2


def test_one_refusal_does_not_undo_the_scans_around_it(as_key, world, app):
    r = send(
        as_key("reception"),
        [item("a", world.codes[0]), item("b", world.inactive_codes[0]), item("c", world.codes[1])],
    )
    assert [x["status"] for x in r.get_json()["results"]] == ["accepted", "refused", "accepted"]
    assert r.get_json()["results"][1]["reason"] == "not_active"
    assert counts(app)["Redemption"] == 2 and ledger_ok(app)


def test_batch_and_single_scans_share_their_scan_ids(as_key, world, app):
    api = as_key("reception")
    at = utcnow().replace(microsecond=0).isoformat()
    single = api.post(
        "/api/v1/redemptions",
        json={"code": world.codes[0], "scanned_at": at},
        headers={"Idempotency-Key": "tab-1"},
    ).get_json()
    r = send(
        api,
        [
            {"scan_id": "tab-1", "code": world.codes[0], "scanned_at": at},
            {"scan_id": "tab-1", "code": world.codes[1], "scanned_at": at},
        ],
    ).get_json()
    assert (
        r["results"][0]["replayed"] and r["results"][0]["redemption_id"] == single["redemption_id"]
    )
    assert r["results"][1]["reason"] == "idempotency_key_reused"


def test_a_batch_answer_replays_in_the_single_endpoint_too(as_key, world):
    api = as_key("reception")
    scan = item("tab-3", world.codes[3])
    first = send(api, [scan]).get_json()["results"][0]
    single = api.post(
        "/api/v1/redemptions",
        json={k: v for k, v in scan.items() if k != "scan_id"},
        headers={"Idempotency-Key": "tab-3"},
    )
    assert single.status_code == 201 and single.headers["Idempotent-Replayed"] == "true"
    assert single.get_json()["redemption_id"] == first["redemption_id"]


def test_a_batch_is_between_one_and_a_thousand_well_formed_scans(as_key, world):
    api = as_key("reception")
    problem(send(api, []), 422, "invalid_request")
    errors = problem(send(api, [item("x", world.codes[0])] * 1001), 422, "invalid_request")[
        "errors"
    ]
    assert errors["scans"] == ["Entre 1 et 1000 scans par envoi."]
    # a malformed scan is refused on its own (with its errors), never the whole batch
    alone = send(api, [{"scan_id": "x", "code": world.codes[0]}]).get_json()["results"]
    assert alone[0]["status"] == "refused" and alone[0]["reason"] == "invalid_request"
    assert alone[0]["errors"] == {"scanned_at": ["Champ obligatoire."]}
    naive = send(
        api, [{"scan_id": "x", "code": world.codes[0], "scanned_at": "2026-03-01T10:00:00"}]
    ).get_json()["results"]
    assert "scanned_at" in naive[0]["errors"]


def test_guessing_inside_a_batch_is_judged_at_scan_time_and_not_stored(as_key, world, app):
    api = as_key("reception")
    scans = [item(f"m-{n}", mistyped(code)) for n, code in enumerate(world.codes[10:20])]
    scans.append(item("good", world.codes[0]))
    first = send(api, scans).get_json()["results"]
    # slowing down does not apply to scans already made; the lock at their time does
    assert [x["reason"] for x in first] == ["mistyped_code"] * 10 + ["locked"]
    second = send(api, scans).get_json()["results"]
    assert [x["replayed"] for x in second[:10]] == [True] * 10
    assert second[10]["reason"] == "locked" and not second[10]["replayed"]
    assert counts(app)["RefusedScan"] == 10 and ledger_ok(app)


def test_only_reception_keys_send_batches(as_key, world):
    for role in ("funder", "prescriber", "finance"):
        problem(send(as_key(role), [item("a", world.codes[0])]), 403, "forbidden")
