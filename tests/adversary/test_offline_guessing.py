"""Offline scans judged at their own time: a desk offline for twelve days with one typo a
day syncs all its valid scans and is not locked; forged scan times do not open a
guessing channel (a budget of dated failures per source, and a lock now stays a lock)."""

from __future__ import annotations

from datetime import timedelta

from tests.web.api.conftest import counts, ledger_ok
from tests.web.api.test_batch_api import item, mistyped, send
from voucher.domain.calendar import utcnow
from voucher.domain.fraud import RULES


def test_twelve_offline_days_with_one_typo_a_day(app, as_key, world):
    api = as_key("reception")
    start = utcnow() - timedelta(days=12)
    scans = []
    for day in range(12):
        at = start + timedelta(days=day, hours=1)
        scans.append(item(f"typo-{day}", mistyped(world.codes[day]), at))
        scans.append(item(f"good-{day}", world.codes[day], at + timedelta(seconds=20)))
    results = send(api, scans).get_json()["results"]
    assert [r["reason"] for r in results[0::2]] == ["mistyped_code"] * 12
    assert [r["status"] for r in results[1::2]] == ["accepted"] * 12
    # and the desk is not locked afterwards: a scan now goes through
    now = api.post(
        "/api/v1/redemptions", json={"code": world.codes[12]}, headers={"Idempotency-Key": "now"}
    )
    assert now.status_code == 201, now.get_data(as_text=True)
    assert ledger_ok(app)


def test_forged_times_do_not_open_a_guessing_channel(app, as_key, world):
    api = as_key("reception")
    budget = RULES["code_guessing"].defaults()["offline_budget"]
    start = utcnow() - timedelta(days=20)
    guesses = [
        item(f"g-{n}", mistyped(world.codes[n % 20]), start + timedelta(hours=n))
        for n in range(budget + 5)
    ]
    results = send(api, guesses).get_json()["results"]
    assert [r["reason"] for r in results[:budget]] == ["mistyped_code"] * budget
    assert [r["reason"] for r in results[budget:]] == ["too_many_attempts"] * 5
    again = send(api, [item("later", mistyped(world.codes[1]), start)]).get_json()["results"]
    assert again[0]["reason"] == "too_many_attempts"
    single = api.post(
        "/api/v1/redemptions",
        json={"code": mistyped(world.codes[2]), "scanned_at": start.isoformat()},
        headers={"Idempotency-Key": "single-dated"},
    )
    assert single.status_code == 429 and single.get_json()["code"] == "too_many_attempts"
    assert counts(app)["RefusedScan"] == budget


def test_many_guesses_at_one_forged_time_lock_at_that_time(app, as_key, world):
    api = as_key("reception")
    at = utcnow() - timedelta(days=3)
    lock_after = RULES["code_guessing"].defaults()["lock_after"]
    guesses = [
        item(f"g-{n}", mistyped(world.codes[n]), at + timedelta(seconds=n))
        for n in range(lock_after + 2)
    ]
    guesses.append(item("good", world.codes[20], at + timedelta(minutes=1)))
    results = send(api, guesses).get_json()["results"]
    assert [r["reason"] for r in results[lock_after:]] == ["locked"] * 3
