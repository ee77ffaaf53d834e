"""A desk offline for a day, and what the server does with the acceptances it refuses on
upload: each becomes a dispute the structure sees and a funder (or the operator) decides,
never a silent loss; and whatever is decided, no voucher is ever paid twice.

The desk downloads its pack in the morning, then accepts offline what the pack says is
good and refuses unknown and already-used codes. During the day, elsewhere: another place
redeems a code the desk also accepts; a book is reported lost; the other programme stops
accepting this structure. The upload reports each refusal with its dispute; the
reviewers pay only the voucher still unspent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests import factories as f
from tests.adversary.test_offline_pack import Desk, unknown_code
from tests.services.redemption import fraud_world as fw
from tests.web.api.conftest import ledger_ok, problem
from voucher.db.engine import unit_of_work
from voucher.db.models import (
    ApiKey,
    OfflineDispute,
    ProgrammeStructure,
    Redemption,
    Voucher,
)
from voucher.domain import ledger
from voucher.domain.errors import DomainError
from voucher.services.context import Actor
from voucher.services.finance import journal
from voucher.services.issuance import books
from voucher.services.redemption import disputes


def _org_of_key(session, key_id: int) -> int:
    return int(session.scalar(select(ApiKey.organisation_id).where(ApiKey.id == key_id)))


def _live(session, code: str) -> list[Redemption]:
    return list(
        session.scalars(
            select(Redemption)
            .join(Voucher, Voucher.id == Redemption.voucher_id)
            .where(Voucher.code == code, Redemption.status.in_(("accepted", "held")))
        )
    )


def test_refused_offline_acceptances_become_disputes_and_nothing_is_paid_twice(app, as_key, world):
    engine = app.extensions["voucher.engine"]
    reception, elsewhere = as_key("reception"), as_key("other_reception")
    used = reception.post(
        "/api/v1/redemptions", json={"code": world.codes[0]}, headers={"Idempotency-Key": "u"}
    )
    assert used.status_code == 201
    desk = Desk(reception.get("/api/v1/offline-pack").get_json(), world.keys["reception"])
    good, taken, lost, unlisted = (
        world.codes[1],
        world.codes[2],
        world.codes[20],
        world.other_codes[0],
    )

    # offline, with the morning's pack: unknown and already-used codes are refused at the desk
    assert not desk.accepts(world.codes[0]) and not desk.accepts(unknown_code())
    assert all(desk.accepts(code) for code in (good, taken, lost, unlisted))

    # meanwhile, elsewhere: a code used at another place, a book lost, a programme narrowed
    assert (
        elsewhere.post(
            "/api/v1/redemptions", json={"code": taken}, headers={"Idempotency-Key": "e"}
        ).status_code
        == 201
    )
    with unit_of_work(engine) as s:
        books.report_book(s, f.ACTOR, world.first_serial + 2, reason="lost")
        s.add(
            ProgrammeStructure(
                programme_id=world.other_programme_id, structure_id=world.other_structure_id
            )
        )

    morning = (datetime.now(UTC) - timedelta(hours=8)).isoformat()
    scans = [
        {"scan_id": f"off-{n}", "code": code, "scanned_at": morning}
        for n, code in enumerate((good, taken, lost, unlisted, unknown_code()))
    ]
    upload = reception.post("/api/v1/redemptions/batch", json={"scans": scans}).get_json()
    results = {r["scan_id"]: r for r in upload["results"]}
    assert results["off-0"]["status"] == "accepted" and results["off-0"]["dispute_id"] is None
    reasons = {k: (r["status"], r["reason"]) for k, r in results.items() if k != "off-0"}
    assert reasons == {
        "off-1": ("refused", "already_redeemed"),
        "off-2": ("refused", "cancelled"),
        "off-3": ("refused", "not_accepted_here"),
        "off-4": ("refused", "unknown_code"),
    }
    ids = {k: r["dispute_id"] for k, r in results.items() if k != "off-0"}
    assert all(isinstance(i, int) for i in ids.values()) and len(set(ids.values())) == 4

    # the whole upload resent (the desk lost the answer): the same disputes, no new one
    again = reception.post("/api/v1/redemptions/batch", json={"scans": scans}).get_json()
    assert {r["scan_id"]: r["dispute_id"] for r in again["results"] if r["dispute_id"]} == ids
    assert all(r["replayed"] for r in again["results"])

    # who sees what: the structure its own, each funder its programme's, the operator all
    def seen(key: str) -> set[int]:
        page = as_key(key).get("/api/v1/disputes", query_string={"page_size": 2})
        found, body = set(), page.get_json()
        while True:
            found |= {d["id"] for d in body["items"]}
            if body["next_cursor"] is None:
                return found
            body = (
                as_key(key)
                .get("/api/v1/disputes", query_string={"cursor": body["next_cursor"]})
                .get_json()
            )

    assert seen("reception") == set(ids.values())
    assert seen("other_reception") == set()
    assert seen("funder") == {ids["off-1"], ids["off-2"]}
    assert seen("other_funder") == {ids["off-3"]}
    assert seen("finance") == set(ids.values())
    one = as_key("reception").get(f"/api/v1/disputes/{ids['off-4']}").get_json()
    assert one["programme_id"] is None and one["code_tail"] == unknown_code()[-4:]
    assert unknown_code() not in str(one)
    problem(as_key("other_reception").get(f"/api/v1/disputes/{ids['off-1']}"), 404, "not_found")

    with unit_of_work(engine) as s:
        funder = fw.person(s, world.funder_id, "funder")
        other_funder = fw.person(s, _org_of_key(s, world.key_ids["other_funder"]), "funder")
        operator = fw.person(s, _org_of_key(s, world.key_ids["finance"]), "finance")
        payable_before = journal.balance(s, ledger.payable(world.structure_id))

    def refused(actor: Actor, dispute_id: int) -> str:
        with pytest.raises(DomainError) as caught, unit_of_work(engine) as s:
            disputes.release(s, actor, dispute_id)
        return caught.value.code

    # used elsewhere, lost, unknown: never paid, whoever asks
    assert refused(funder, ids["off-1"]) == "dispute_not_payable"
    assert refused(funder, ids["off-2"]) == "dispute_not_payable"
    assert refused(operator, ids["off-4"]) == "dispute_not_payable"
    # outside the reviewer's programmes: not even seen
    assert refused(funder, ids["off-3"]) == "not_found"
    assert refused(funder, ids["off-4"]) == "not_found"

    # the unspent voucher is paid to the structure, dated when the desk accepted it
    with unit_of_work(engine) as s:
        released = disputes.release(s, other_funder, ids["off-3"])
        redemption_id = released.redemption_id
    assert refused(operator, ids["off-3"]) == "dispute_already_decided"
    for key in ("off-1", "off-2", "off-4"):
        with unit_of_work(engine) as s:
            disputes.reject(s, operator, ids[key], "Chèque déjà utilisé, annulé ou inconnu.")
    assert refused(operator, ids["off-1"]) == "dispute_already_decided"

    with unit_of_work(engine) as s:
        paid = s.get(Redemption, redemption_id)
        assert paid.status == "accepted" and paid.structure_id == world.structure_id
        assert paid.scanned_at.isoformat() == morning
        face = paid.face_value_cents
        owed = -journal.balance(s, ledger.payable(world.structure_id))  # a liability: credit
        assert owed == -payable_before + face
        # every code once at most: the one used elsewhere stays the other place's
        for code in (good, taken, unlisted):
            assert len(_live(s, code)) == 1
        assert _live(s, taken)[0].structure_id == world.other_structure_id
        assert _live(s, lost) == []
        statuses = dict(
            s.execute(
                select(OfflineDispute.status, func.count()).group_by(OfflineDispute.status)
            ).all()
        )
        assert statuses == {"released": 1, "rejected": 3}
    assert ledger_ok(app)

    # a device syncing since the morning sees the decisions
    decided = as_key("reception").get(
        "/api/v1/disputes", query_string={"updated_since": morning, "status": "rejected"}
    )
    assert {d["id"] for d in decided.get_json()["items"]} == {
        ids["off-1"],
        ids["off-2"],
        ids["off-4"],
    }
