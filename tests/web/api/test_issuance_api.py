"""Funders issue and activate batches, prescribers acknowledge them and hand books out,
each only within their own organisation; other organisations' objects do not exist for them."""

from __future__ import annotations

import csv
import io

from tests.web.api.conftest import counts, ledger_ok, problem


def test_a_funder_issues_a_batch_for_its_programme(as_key, world, app):
    r = as_key("funder").post(
        "/api/v1/batches",
        json={"programme_id": world.programme_id, "prescriber_id": world.prescriber_id, "books": 2},
    )
    assert r.status_code == 201
    body = r.get_json()
    assert body["books_count"] == 2 and body["status"] == "issued" and body["value_cents"] == 20_000
    assert body["last_serial"] == body["first_serial"] + 1
    assert ledger_ok(app)


def test_issuing_with_an_idempotency_key_never_issues_twice(as_key, world, app):
    api = as_key("funder")
    spec = {"programme_id": world.programme_id, "prescriber_id": world.prescriber_id, "books": 1}
    first = api.post("/api/v1/batches", json=spec, headers={"Idempotency-Key": "commande-17"})
    before = counts(app)
    again = api.post("/api/v1/batches", json=spec, headers={"Idempotency-Key": "commande-17"})
    assert again.get_data() == first.get_data() and counts(app) == before
    problem(
        api.post(
            "/api/v1/batches", json={**spec, "books": 5}, headers={"Idempotency-Key": "commande-17"}
        ),
        422,
        "idempotency_key_reused",
    )


def test_a_funder_cannot_issue_on_another_funders_programme(as_key, world):
    r = as_key("other_funder").post(
        "/api/v1/batches",
        json={"programme_id": world.programme_id, "prescriber_id": world.prescriber_id, "books": 1},
    )
    problem(r, 404, "not_found")
    r = as_key("funder").post(
        "/api/v1/batches",
        json={"programme_id": world.programme_id, "prescriber_id": world.structure_id, "books": 1},
    )
    problem(r, 422, "not_a_prescriber")
    problem(as_key("prescriber").post("/api/v1/batches", json={}), 403, "forbidden")


def test_batches_are_visible_to_their_funder_and_their_prescriber_only(as_key, world):
    path = f"/api/v1/batches/{world.batch_id}"
    assert as_key("funder").get(path).get_json()["id"] == world.batch_id
    assert as_key("prescriber").get(path).get_json()["prescriber_id"] == world.prescriber_id
    assert as_key("finance").get(path).status_code == 200
    for other in ("other_funder", "other_prescriber"):
        problem(as_key(other).get(path), 404, "not_found")
    problem(as_key("reception").get(path), 403, "forbidden")
    listed = as_key("prescriber").get("/api/v1/batches").get_json()
    assert {b["id"] for b in listed["items"]} == {world.batch_id, world.inactive_batch_id}
    assert len(as_key("other_prescriber").get("/api/v1/batches").get_json()["items"]) == 1


def test_a_funder_activates_a_funded_batch_once(as_key, world, app):
    path = f"/api/v1/batches/{world.inactive_batch_id}/activate"
    problem(as_key("other_funder").post(path), 404, "not_found")
    problem(as_key("prescriber").post(path), 403, "forbidden")
    r = as_key("funder").post(path)
    assert (
        r.status_code == 200 and r.get_json()["status"] == "active" and r.get_json()["activated_at"]
    )
    problem(as_key("funder").post(path), 409, "batch_already_active")
    assert (
        as_key("reception")
        .get(f"/api/v1/vouchers/{world.inactive_codes[0]}")
        .get_json()["acceptable"]
    )
    assert ledger_ok(app)


def test_the_prescriber_acknowledges_its_batch_once(as_key, world):
    path = f"/api/v1/batches/{world.batch_id}/acknowledge"
    problem(as_key("other_prescriber").post(path), 404, "not_found")
    problem(as_key("funder").post(path), 403, "forbidden")
    assert as_key("prescriber").post(path).get_json()["acknowledged_at"]
    problem(as_key("prescriber").post(path), 409, "already_acknowledged")


def test_the_codes_export_is_for_the_funder_only(as_key, world):
    path = f"/api/v1/batches/{world.batch_id}/codes.csv"
    r = as_key("funder").get(path)
    assert r.status_code == 200 and r.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(r.get_data(as_text=True))))
    assert [row["code"] for row in rows] == world.codes and rows[0]["position"] == "1"
    problem(as_key("other_funder").get(path), 404, "not_found")
    for role in ("prescriber", "reception"):
        problem(as_key(role).get(path), 403, "forbidden")


def test_a_prescriber_hands_a_book_out_and_nothing_about_the_person_comes_back(as_key, world, app):
    path = f"/api/v1/books/{world.first_serial}/hand-out"
    profile = {
        "local_reference": "ML-2026-0042",
        "population": "jeunes_insertion",
        "age_band": "dix_huit_vingt_quatre",
        "social_status": "sans_emploi",
        "commune_insee": "86194",
        "consent": True,
    }
    problem(as_key("other_prescriber").post(path, json=profile), 404, "not_found")
    r = as_key("prescriber").post(path, json=profile)
    assert r.status_code == 200
    body = r.get_json()
    assert body["handed_out"] is True and body["status"] == "handed_out"
    assert body["vouchers"] == {"distributed": 10}
    text = r.get_data(as_text=True)
    assert "ML-2026" not in text and "jeunes" not in text and "beneficiary" not in text
    problem(as_key("prescriber").post(path, json=profile), 422, "book_already_handed_out")
    bad = problem(
        as_key("prescriber").post(path, json={**profile, "age_band": "quarante"}),
        422,
        "invalid_request",
    )
    assert list(bad["errors"]) == ["age_band"]


def test_books_move_between_prescribers_and_are_reported_lost(as_key, world, app):
    serial = world.first_serial + 1
    problem(
        as_key("other_funder").post(
            f"/api/v1/books/{serial}/move", json={"to_prescriber_id": world.other_prescriber_id}
        ),
        404,
        "not_found",
    )
    r = as_key("funder").post(
        f"/api/v1/books/{serial}/move", json={"to_prescriber_id": world.other_prescriber_id}
    )
    assert r.status_code == 200 and r.get_json()["holder_id"] == world.other_prescriber_id
    problem(as_key("prescriber").get(f"/api/v1/books/{serial}"), 404, "not_found")  # no longer held
    assert as_key("other_prescriber").get(f"/api/v1/books/{serial}").status_code == 200
    lost = as_key("other_prescriber").post(
        f"/api/v1/books/{serial}/report", json={"reason": "lost"}
    )
    assert lost.get_json()["status"] == "lost" and lost.get_json()["vouchers"] == {"cancelled": 10}
    problem(
        as_key("funder").post(f"/api/v1/books/{serial}/report", json={"reason": "stolen"}),
        422,
        "book_unusable",
    )
    problem(
        as_key("funder").post(f"/api/v1/books/{serial}/report", json={"reason": "brûlé"}),
        422,
        "invalid_request",
    )
    assert ledger_ok(app)


def test_the_production_print_file_needs_an_approved_proof_and_the_funders_key(as_key, world, app):
    from voucher.db.engine import unit_of_work
    from voucher.services.context import Actor
    from voucher.services.printing import approval, production

    path = f"/api/v1/batches/{world.batch_id}/print.pdf"
    refused = as_key("funder").get(path)
    assert refused.status_code >= 400 and refused.get_json()["code"] == "proof_not_approved"
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        staff = Actor(label="financeur", organisation_id=world.funder_id, role="funder")
        proof = production.proof(s, staff, world.batch_id).write_to(io.BytesIO())
        approval.approve_proof(s, staff, world.batch_id, proof.sha256)
    problem(as_key("other_funder").get(path), 404, "not_found")
    problem(as_key("prescriber").get(path), 403, "forbidden")
    pdf = as_key("funder").get(path)
    assert (
        pdf.status_code == 200
        and pdf.mimetype == "application/pdf"
        and pdf.get_data().startswith(b"%PDF")
    )
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        from voucher.db.models import Batch

        assert s.get(Batch, world.batch_id).print_sha256  # recorded with the download


def test_the_follow_up_is_noted_by_the_prescriber_or_a_place_that_took_a_voucher(as_key, world):
    from voucher.domain.calendar import paris_date, utcnow

    today = paris_date(utcnow()).isoformat()
    serial = world.first_serial
    path = f"/api/v1/books/{serial}/follow-up"
    answer = {"answer": "partiellement_autonome", "observed_on": today}
    problem(as_key("prescriber").post(path, json=answer), 422, "book_not_handed_out")
    as_key("prescriber").post(
        f"/api/v1/books/{serial}/hand-out",
        json={
            "local_reference": "ML-2026-0077",
            "population": "seniors",
            "age_band": "soixante_dix_plus",
            "social_status": "retraite",
        },
    )
    problem(as_key("prescriber").post(path, json=answer), 422, "follow_up_no_session")
    scanned = as_key("reception").post(
        "/api/v1/redemptions",
        json={"code": world.codes[0]},
        headers={"Idempotency-Key": "suivi-api-0001"},
    )
    assert scanned.status_code == 201
    for stranger in ("other_prescriber", "other_reception"):
        problem(as_key(stranger).post(path, json=answer), 404, "not_found")
    bad = problem(
        as_key("reception").post(path, json={**answer, "answer": "oui"}), 422, "invalid_request"
    )
    assert list(bad["errors"]) == ["answer"]
    r = as_key("reception").post(path, json=answer)
    assert r.status_code == 201
    assert r.get_json()["answer"] == "partiellement_autonome" and r.get_json()["moment"] == "apres"
    assert "ML-2026" not in r.get_data(as_text=True)
    assert as_key("prescriber").post(path, json={**answer, "answer": "autonome"}).status_code == 201
