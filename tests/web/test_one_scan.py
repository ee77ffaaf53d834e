"""One scan, four doors: the desk, the API's single scan, an offline batch and the look-up all
go through the same use case, so the same refusal is answered with the same code and is
logged (or not) the same way, whichever door it came through."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select
from stdnum import damm

from tests import factories as f
from tests.web.workspace_world import World, login, token
from voucher.db.engine import unit_of_work
from voucher.db.models import Book, RefusedScan, Voucher
from voucher.domain.calendar import utcnow
from voucher.services.access import api_keys
from voucher.services.context import Actor
from voucher.services.issuance import batches
from voucher.services.redemption import redeem
from voucher.services.redemption import scan as scanning

DOORS = ("desk", "api", "batch", "look_up")
SCAN_ID = "porte-0000000001"


@dataclass
class Case:
    code: str  # the code sent
    scan_id: str = SCAN_ID


def _engine(app):
    return app.extensions["voucher.engine"]


def _refusals(app) -> list[str]:
    with unit_of_work(_engine(app)) as s:
        return list(s.scalars(select(RefusedScan.reason).order_by(RefusedScan.id)))


def _inactive_code(app, world: World) -> str:
    with unit_of_work(_engine(app)) as s:
        batch = batches.issue_batch(
            s, f.ACTOR, programme_id=world.programme_a, prescriber_id=world.prescriber_a, books=1
        )
        return s.scalar(
            select(Voucher.code)
            .join(Book, Book.id == Voucher.book_id)
            .where(Book.batch_id == batch.id)
            .limit(1)
        )


def _redeemed(app, world: World, code: str, scan_id: str | None = None) -> None:
    with unit_of_work(_engine(app)) as s:
        redeem.redeem(
            s,
            Actor(label="autre poste", user_id=world.user_ids["reception_a"]),
            redeem.Scan(code=code, structure_id=world.structure_a, scan_id=scan_id),
        )


def _throttled(app, world: World, key_id: int) -> None:
    """Five unknown codes just now, from the desk's person and from the API key."""
    source = Actor(label="essais", user_id=world.user_ids["reception_a"], api_key_id=key_id)
    with unit_of_work(_engine(app)) as s:
        for n in range(5):
            scanning.record_refusal(
                s,
                source,
                structure_id=world.structure_a,
                raw_code=_unknown(n),
                reason="unknown_code",
            )


def _unknown(n: int) -> str:
    body = f"{n + 1:023d}"
    return body + damm.calc_check_digit(body)


def _mistyped(code: str) -> str:
    return code[:-1] + str((int(code[-1]) + 1) % 10)


def arrange(app, world: World, key_id: int, refusal: str) -> Case:
    codes = world.codes_a
    if refusal == "mistyped_code":
        return Case(_mistyped(codes[0]))
    if refusal == "unknown_code":
        return Case(_unknown(99))
    if refusal == "not_active":
        return Case(_inactive_code(app, world))
    if refusal == "already_redeemed":
        _redeemed(app, world, codes[1])
        return Case(codes[1])
    if refusal == "scan_id_reused":  # the scan id already named another voucher here
        _redeemed(app, world, codes[2], scan_id=SCAN_ID)
        return Case(codes[3])
    assert refusal == "too_many_attempts"
    _throttled(app, world, key_id)
    return Case(codes[4])


def send(client, door: str, case: Case, secret: str) -> str:
    """Send the scan through one door; return the refusal code it answered."""
    bearer = {"Authorization": f"Bearer {secret}"}
    if door == "desk":
        page = client.get("/accueil/")
        data = {"code": case.code, "scan_id": case.scan_id, "csrf_token": token(page)}
        answer = client.post("/accueil/scan", data=data, headers={"X-Desk": "fetch"})
        return answer.get_json()["code"]
    if door == "api":
        headers = {**bearer, "Idempotency-Key": case.scan_id}
        answer = client.post("/api/v1/redemptions", json={"code": case.code}, headers=headers)
        return answer.get_json()["code"]
    if door == "batch":
        scan = {"scan_id": case.scan_id, "code": case.code, "scanned_at": utcnow().isoformat()}
        answer = client.post("/api/v1/redemptions/batch", json={"scans": [scan]}, headers=bearer)
        return answer.get_json()["results"][0]["reason"]
    answer = client.get(f"/api/v1/vouchers/{case.code}", headers=bearer)
    return answer.get_json()["code"]


#: refusal -> the doors that can meet it (the look-up answers a voucher that would be
#: refused as "not acceptable", it refuses only codes that are not ours, and throttling)
REFUSALS = {
    "mistyped_code": DOORS,
    "unknown_code": DOORS,
    "not_active": ("desk", "api", "batch"),
    "already_redeemed": ("desk", "api", "batch"),
    "scan_id_reused": ("desk", "api", "batch"),
    # a dated scan (offline batch) is judged at its own time: a slow-down now does not
    # apply to it (tests/adversary/test_offline_guessing.py), a lock does
    "too_many_attempts": tuple(d for d in DOORS if d != "batch"),
}


@pytest.mark.parametrize(
    ("refusal", "door"),
    [(refusal, door) for refusal, doors in REFUSALS.items() for door in doors],
)
def test_a_refusal_is_logged_or_not_the_same_way_whichever_door_it_came_through(
    app, client, world, refusal, door
):
    with unit_of_work(_engine(app)) as s:
        key = api_keys.create_key(
            s, f.ACTOR, organisation_id=world.structure_a, role="reception", name="tablette"
        )
    case = arrange(app, world, key.key.id, refusal)
    login(client, world.emails["reception_a"])
    before = _refusals(app)
    assert send(client, door, case, key.secret) == refusal
    logged = _refusals(app)[len(before) :]
    assert logged == ([] if refusal in scanning.NOT_LOGGED else [refusal])
