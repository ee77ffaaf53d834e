"""Reads through the API: each key sees its organisation's programmes, holds and scans,
the public directory of structures, and (finance, admin) the ledger check."""

from __future__ import annotations

from tests.web.api.conftest import Api, build, problem


def test_a_funder_sees_its_own_programmes_only(as_key, world):
    mine = as_key("funder").get("/api/v1/programmes").get_json()
    assert [p["id"] for p in mine["items"]] == [world.programme_id] and mine["total"] == 1
    assert [f["share_bp"] for f in mine["items"][0]["funders"]] == [5000, 5000]
    assert (
        as_key("finance").get("/api/v1/programmes").get_json()["total"] == 2
    )  # the operator's finance
    problem(
        as_key("other_funder").get(f"/api/v1/programmes/{world.programme_id}"), 404, "not_found"
    )
    assert (
        as_key("funder").get(f"/api/v1/programmes/{world.programme_id}").get_json()["valid_until"]
        == "2099-12-31"
    )
    problem(as_key("funder").get("/api/v1/programmes/999999"), 404, "not_found")


def test_lists_are_paginated(as_key, world):
    page = as_key("finance").get("/api/v1/programmes?page=2&page_size=1").get_json()
    assert (page["page"], page["page_size"], page["total"], len(page["items"])) == (2, 1, 2, 1)
    problem(as_key("finance").get("/api/v1/programmes?page_size=500"), 422, "invalid_request")
    problem(as_key("finance").get("/api/v1/programmes?page=0"), 422, "invalid_request")


def test_any_key_reads_the_directory_of_structures_without_bank_details(as_key, world):
    found = as_key("prescriber").get("/api/v1/structures").get_json()
    assert {s["id"] for s in found["items"]} == {world.structure_id, world.other_structure_id}
    one = as_key("reception").get(f"/api/v1/structures/{world.structure_id}")
    assert one.get_json()["labels"][0]["name"] == "Pass numérique"
    assert "iban" not in one.get_data(as_text=True).lower()
    problem(as_key("reception").get(f"/api/v1/structures/{world.prescriber_id}"), 404, "not_found")


def test_holds_are_read_by_the_programmes_funders_and_finance_only(app, client):
    w = build(app, handout_policy="hold")
    reception = Api(client, w.keys["reception"])
    held = reception.post(
        "/api/v1/redemptions", json={"code": w.codes[0]}, headers={"Idempotency-Key": "h"}
    )
    assert held.get_json()["status"] == "held"
    listed = Api(client, w.keys["funder"]).get("/api/v1/holds").get_json()
    assert len(listed["items"]) == 1 and listed["items"][0]["rule"] == "never_handed_out"
    hold_id = listed["items"][0]["id"]
    assert (
        Api(client, w.keys["finance"]).get(f"/api/v1/holds/{hold_id}").get_json()["redemption_id"]
        == held.get_json()["redemption_id"]
    )
    problem(Api(client, w.keys["other_funder"]).get(f"/api/v1/holds/{hold_id}"), 404, "not_found")
    assert Api(client, w.keys["other_funder"]).get("/api/v1/holds").get_json()["items"] == []
    problem(reception.get("/api/v1/holds"), 403, "forbidden")
    assert "beneficiary" not in Api(client, w.keys["funder"]).get("/api/v1/holds").get_data(
        as_text=True
    )


def test_the_ledger_check_is_for_finance_and_admin_keys(as_key, world):
    report = as_key("finance").get("/api/v1/audit/check").get_json()
    assert report["ok"] is True and report["entries"] > 0 and report["problems"] == []
    assert as_key("admin").get("/api/v1/audit/check").status_code == 200
    for role in ("funder", "reception", "prescriber", "evaluator"):
        problem(as_key(role).get("/api/v1/audit/check"), 403, "forbidden")
