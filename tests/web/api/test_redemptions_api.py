"""A scanner app redeems through the API: exactly once, whatever it resends."""

from __future__ import annotations

from stdnum import damm

from tests.web.api.conftest import counts, ledger_ok, problem


def scan(api, code, key, **body):
    return api.post(
        "/api/v1/redemptions", json={"code": code, **body}, headers={"Idempotency-Key": key}
    )


def test_a_scan_is_accepted_with_the_documented_shape(as_key, world, app):
    r = scan(as_key("reception"), world.codes[0], "scan-0001", theme="email")
    assert r.status_code == 201 and r.mimetype == "application/json"
    body = r.get_json()
    assert set(body) == {"redemption_id", "status", "scan_id", "scanned_at", "voucher"}
    assert body["status"] == "accepted" and body["scan_id"] == "scan-0001"
    assert body["voucher"] == {
        "code": world.codes[0],
        "status": "redeemed",
        "face_value_cents": 1000,
        "programme": {"id": world.programme_id, "name": "Pass numérique test"},
        "valid_until": "2099-12-31",
        "book_serial": world.first_serial,
        "position": 1,
        "vouchers_per_book": 10,
    }
    assert ledger_ok(app)


def test_a_replay_returns_the_first_answer_and_changes_nothing(as_key, world, app):
    api = as_key("reception")
    first = scan(api, world.codes[0], "scan-0001", autonomy="autonome")
    before = counts(app)
    again = scan(api, world.codes[0], "scan-0001", autonomy="autonome")
    assert again.status_code == first.status_code == 201
    assert again.get_data() == first.get_data()
    assert again.headers["Idempotent-Replayed"] == "true"
    assert counts(app) == before


def test_a_replay_after_a_lost_answer_gets_the_answer_it_never_read(as_key, world, app):
    api = as_key("reception")
    scan(api, world.codes[1], "perdu-1")  # the reply is lost on the way: the app sends again
    before = counts(app)
    again = scan(api, world.codes[1], "perdu-1")
    assert again.status_code == 201 and again.get_json()["status"] == "accepted"
    assert counts(app) == before


def test_the_same_body_with_other_spacing_or_key_order_is_the_same_request(as_key, world, client):
    api = as_key("reception")
    first = scan(api, world.codes[0], "k-1", theme="email")
    raw = '{ "theme" : "email",\n "code": "' + world.codes[0] + '" }'
    again = client.post(
        "/api/v1/redemptions",
        data=raw,
        content_type="application/json",
        headers={"Authorization": f"Bearer {world.keys['reception']}", "Idempotency-Key": "k-1"},
    )
    assert again.get_data() == first.get_data()


def test_the_same_key_with_another_body_is_refused_and_changes_nothing(as_key, world, app):
    api = as_key("reception")
    scan(api, world.codes[0], "k-1")
    before = counts(app)
    problem(scan(api, world.codes[1], "k-1"), 422, "idempotency_key_reused")
    problem(scan(api, world.codes[0], "k-1", theme="sante"), 422, "idempotency_key_reused")
    assert counts(app) == before


def test_an_already_redeemed_voucher_is_refused_with_409(as_key, world, app):
    api = as_key("reception")
    scan(api, world.codes[0], "a")
    body = problem(scan(api, world.codes[0], "b"), 409, "already_redeemed")
    assert body["detail"] == "Ce chèque a déjà été encaissé."
    assert "first_redeemed_at" in body and "first_structure_id" not in body
    assert ledger_ok(app)


def test_a_refused_first_attempt_replays_the_same_refusal_and_logs_it_once(as_key, world, app):
    api = as_key("reception")
    scan(api, world.codes[0], "a")
    first = scan(api, world.codes[0], "b")
    before = counts(app)
    again = scan(api, world.codes[0], "b")
    assert (
        (again.status_code, again.get_data())
        == (first.status_code, first.get_data())
        == (409, first.get_data())
    )
    assert again.headers["Idempotent-Replayed"] == "true"
    assert counts(app) == before


def test_a_refused_scan_is_logged_even_though_it_changed_nothing(as_key, world, app):
    api = as_key("reception")
    before = counts(app)
    problem(scan(api, world.inactive_codes[0], "pas-encore"), 422, "not_active")
    after = counts(app)
    assert after["RefusedScan"] == before["RefusedScan"] + 1
    assert (
        after["Redemption"] == before["Redemption"]
        and after["JournalEntry"] == before["JournalEntry"]
    )
    assert after["IdempotencyRecord"] == before["IdempotencyRecord"] + 1


def test_a_scan_without_idempotency_key_is_a_validation_error_in_french(as_key, world):
    r = as_key("reception").post("/api/v1/redemptions", json={"code": world.codes[0]})
    body = problem(r, 422, "invalid_request")
    assert body["errors"] == {"Idempotency-Key": ["Champ obligatoire."]}


def test_validation_errors_name_each_field(as_key, world):
    r = scan(as_key("reception"), "", "x", theme="cuisine", scanned_at="hier", extra=1)
    errors = problem(r, 422, "invalid_request")["errors"]
    assert errors["code"] == ["Longueur attendue entre 1 et 64."]
    assert errors["theme"][0].startswith("Valeur attendue parmi")
    assert errors["scanned_at"] and errors["extra"] == ["Champ inconnu."]


def test_mistyped_and_unknown_codes_are_refused_with_their_codes(as_key, world):
    api = as_key("reception")
    wrong = world.codes[0][:-1] + str((int(world.codes[0][-1]) + 1) % 10)
    problem(scan(api, wrong, "m-1"), 422, "mistyped_code")
    unknown = "0" * 23 + damm.calc_check_digit("0" * 23)
    problem(scan(api, unknown, "u-1"), 404, "unknown_code")


def test_a_held_scan_answers_held(app, client):
    from tests.web.api.conftest import Api, build

    w = build(app, handout_policy="hold")
    r = scan(Api(client, w.keys["reception"]), w.codes[0], "h-1")
    assert r.status_code == 201
    assert r.get_json()["status"] == "held" and r.get_json()["voucher"]["status"] == "held"


def test_an_offline_scan_time_is_kept_and_checked(as_key, world):
    api = as_key("reception")
    r = scan(api, world.codes[0], "t-1", scanned_at="2020-01-01T10:00:00+01:00")
    problem(r, 422, "invalid_scan_time")
    from voucher.domain.calendar import utcnow

    at = utcnow().replace(microsecond=0).isoformat()
    r = scan(api, world.codes[0], "t-2", scanned_at=at)
    assert r.status_code == 201 and r.get_json()["scanned_at"] == at


def test_a_structure_key_scans_only_for_its_own_structure(as_key, world):
    theirs = scan(as_key("other_reception"), world.codes[0], "x-1").get_json()
    path = f"/api/v1/redemptions/{theirs['redemption_id']}"
    assert (
        as_key("other_reception").get(path).get_json()["structure_id"] == world.other_structure_id
    )
    problem(as_key("reception").get(path), 404, "not_found")
    problem(
        scan(as_key("reception"), world.codes[0], "x-1"), 409, "already_redeemed"
    )  # keys are per organisation


def test_other_roles_cannot_scan(as_key, world):
    for role in ("funder", "prescriber", "finance", "admin", "evaluator"):
        problem(scan(as_key(role), world.codes[0], "r-1"), 403, "forbidden")


def test_a_reception_key_cancels_its_own_scan_but_not_another_keys(as_key, world, app):
    first = scan(as_key("reception"), world.codes[0], "c-1").get_json()
    path = f"/api/v1/redemptions/{first['redemption_id']}/cancel"
    problem(as_key("reception_2").post(path), 403, "not_your_scan")
    problem(as_key("other_reception").post(path), 404, "not_found")
    done = as_key("reception").post(path)
    assert done.status_code == 200 and done.get_json()["status"] == "cancelled"
    problem(as_key("reception").post(path), 409, "already_cancelled")
    assert ledger_ok(app)


def test_finance_cancels_any_unpaid_scan_of_its_programmes(as_key, world, app):
    first = scan(as_key("reception"), world.codes[0], "c-1").get_json()
    done = as_key("finance").post(f"/api/v1/redemptions/{first['redemption_id']}/cancel")
    assert done.status_code == 200 and done.get_json()["cancelled_at"]
    problem(
        as_key("funder").post(f"/api/v1/redemptions/{first['redemption_id']}/cancel"),
        403,
        "forbidden",
    )
    assert ledger_ok(app)


def test_scans_are_listed_for_their_structure_and_their_funders_only(as_key, world):
    scan(as_key("reception"), world.codes[0], "l-1")
    scan(as_key("reception"), world.codes[1], "l-2")
    mine = as_key("reception").get("/api/v1/redemptions?page_size=1").get_json()
    assert len(mine["items"]) == 1 and mine["items"][0]["scan_id"] == "l-1"
    rest = as_key("reception").get(f"/api/v1/redemptions?cursor={mine['next_cursor']}").get_json()
    assert [r["scan_id"] for r in rest["items"]] == ["l-2"] and rest["next_cursor"] is None
    assert len(as_key("funder").get("/api/v1/redemptions").get_json()["items"]) == 2
    assert as_key("other_reception").get("/api/v1/redemptions").get_json()["items"] == []
    assert as_key("other_funder").get("/api/v1/redemptions").get_json()["items"] == []
    rid = mine["items"][0]["id"]
    assert (
        as_key("reception").get(f"/api/v1/redemptions/{rid}").get_json()["code"] == world.codes[0]
    )
    problem(as_key("other_funder").get(f"/api/v1/redemptions/{rid}"), 404, "not_found")
    assert "beneficiary" not in as_key("funder").get(f"/api/v1/redemptions/{rid}").get_data(
        as_text=True
    )


def test_a_scan_request_opens_no_savepoint_and_a_refusal_is_still_logged_once(as_key, world, app):
    """The single scan runs without the scan service's savepoint (its refusal rolls the whole
    request back, the key is claimed again, then the refusal is logged and stored): an
    accepted scan sends no SAVEPOINT, and a refused one still leaves exactly its log line
    and its stored answer."""
    from sqlalchemy import event

    sent: list[str] = []

    def seen(conn, cursor, statement, *args):
        sent.append(statement.lstrip().split(None, 1)[0].upper())

    engine = app.extensions["voucher.engine"]
    event.listen(engine, "before_cursor_execute", seen)
    try:
        api = as_key("reception")
        assert scan(api, world.codes[0], "sans-point-1").status_code == 201
        assert "SAVEPOINT" not in sent
        before = counts(app)
        refused = scan(api, world.codes[0], "sans-point-2")
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    problem(refused, 409, "already_redeemed")
    after = counts(app)
    assert after["RefusedScan"] == before["RefusedScan"] + 1
    assert after["IdempotencyRecord"] == before["IdempotencyRecord"] + 1
    assert after["Redemption"] == before["Redemption"]
    again = scan(api, world.codes[0], "sans-point-2")
    assert again.get_data() == refused.get_data() and counts(app) == after


def _unknown(n: int) -> str:
    body = f"{n:023d}"
    return body + damm.calc_check_digit(body)


def test_a_key_guessing_by_scans_is_slowed_though_its_clean_requests_skip_the_guessing_read(
    as_key, world, app
):
    """A source with no guessing failure is judged by its key's read (no read of its own);
    once it has failures, its scans are read and judged as before: the fifth unknown code
    slows the key down, and the next scan is refused before any look-up."""
    from sqlalchemy import event

    sent: list[str] = []

    def seen(conn, cursor, statement, *args):
        sent.append(" ".join(statement.split()))

    engine = app.extensions["voucher.engine"]
    event.listen(engine, "before_cursor_execute", seen)
    try:
        api = as_key("reception")
        assert scan(api, world.codes[0], "propre-1").status_code == 201
        assert not any("FROM refused_scan" in s and "UNION" in s for s in sent)
        for n in range(5):
            problem(scan(api, _unknown(n + 1), f"devine-{n}"), 404, "unknown_code")
        sent.clear()
        slowed = problem(scan(api, world.codes[1], "devine-5"), 429, "too_many_attempts")
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert slowed["retry_after"] > 0
    assert not any(s.startswith("WITH taken") for s in sent)  # refused before the write
    assert scan(api, world.codes[1], "devine-5").get_json()["code"] == "too_many_attempts"


def test_an_address_that_guessed_slows_a_clean_key_behind_it(as_key, world, app):
    """The address is a source of its own: failures logged for other desks at the same
    address (behind one NAT) count for a clean key's scans (read with that key's row)."""
    from voucher.db.engine import unit_of_work
    from voucher.services.context import Actor
    from voucher.services.redemption import scan as scanning

    desk = Actor(label="poste voisin", ip="127.0.0.1")  # the test client's address
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        for n in range(20):  # the address's own threshold (address_slow_after)
            scanning.record_refusal(
                s, desk, structure_id=None, raw_code=_unknown(100 + n), reason="unknown_code"
            )
    problem(scan(as_key("reception"), world.codes[0], "voisin-1"), 429, "too_many_attempts")
    assert counts(app)["Redemption"] == 0
