"""Through the real app, at the same time: the same Idempotency-Key sent by several threads
has one effect and one answer; several keys for one voucher give one acceptance."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

from sqlalchemy import func, select

from tests.web.api.conftest import counts, ledger_ok
from voucher.db.engine import unit_of_work
from voucher.db.models import IdempotencyRecord, Redemption

THREADS = 8


def race(app, secret, requests):
    """Each thread gets its own client; all start together."""
    start = threading.Barrier(len(requests))

    def one(req):
        body, key = req
        client = app.test_client()
        start.wait()
        r = client.post(
            "/api/v1/redemptions",
            json=body,
            headers={"Authorization": f"Bearer {secret}", "Idempotency-Key": key},
        )
        return r.status_code, r.get_data()

    with ThreadPoolExecutor(len(requests)) as pool:
        return list(pool.map(one, requests))


def test_the_same_key_sent_by_several_threads_has_one_effect_and_one_answer(app, world):
    answers = race(
        app,
        world.keys["reception"],
        [({"code": world.codes[0], "theme": "email"}, "dup-1")] * THREADS,
    )
    assert {status for status, _ in answers} == {201}
    assert len({body for _, body in answers}) == 1
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        assert s.scalar(select(func.count()).select_from(Redemption)) == 1
        assert s.scalar(select(func.count()).select_from(IdempotencyRecord)) == 1
    assert ledger_ok(app)


def test_a_refusal_raced_by_several_threads_is_logged_once(app, world):
    before = counts(app)
    answers = race(
        app, world.keys["reception"], [({"code": world.inactive_codes[0]}, "dup-2")] * THREADS
    )
    assert {status for status, _ in answers} == {422} and len({body for _, body in answers}) == 1
    after = counts(app)
    assert after["RefusedScan"] == before["RefusedScan"] + 1 and after["Redemption"] == 0


def test_several_keys_racing_for_one_voucher_give_exactly_one_acceptance(app, world):
    answers = race(
        app, world.keys["reception"], [({"code": world.codes[1]}, f"k-{n}") for n in range(THREADS)]
    )
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [409] * (THREADS - 1)
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        assert s.scalar(select(func.count()).select_from(Redemption)) == 1
    assert ledger_ok(app)
