"""A device syncing while the place keeps scanning: cursor pages never skip nor repeat a
row, whatever is inserted between pages, and ``updated_since`` brings back what changed
behind the cursor (a cancellation).

Hypothesis plans the walk (page sizes, scans inserted between pages); examples run in one
world, so each walk also starts over rows left by the previous ones.
``VOUCHER_SYNC_EXAMPLES`` runs more (default: a few seconds).
"""

from __future__ import annotations

import os
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests.web.api.conftest import Api, build
from voucher.db.engine import unit_of_work
from voucher.db.models import Redemption

EXAMPLES = int(os.environ.get("VOUCHER_SYNC_EXAMPLES", "8"))


def ids_of(app: Any, structure_id: int) -> set[int]:
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        return set(s.scalars(select(Redemption.id).where(Redemption.structure_id == structure_id)))


def test_cursor_pages_stay_exact_while_rows_are_inserted(app, client):
    world = build(app, books=20)
    reception = Api(client, world.keys["reception"])
    codes = iter(world.codes)
    sent = [0]

    def insert(n: int) -> None:
        for _ in range(n):
            sent[0] += 1
            reception.post(
                "/api/v1/redemptions",
                json={"code": next(codes)},
                headers={"Idempotency-Key": f"sync-{sent[0]}"},
            )

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        before=st.integers(0, 3),
        plan=st.lists(st.tuples(st.integers(1, 4), st.integers(0, 3)), min_size=1, max_size=5),
    )
    def walk(before: int, plan: list[tuple[int, int]]) -> None:
        insert(before)
        at_start = ids_of(app, world.structure_id)
        seen: list[int] = []
        url = f"/api/v1/redemptions?page_size={plan[0][0]}"
        step = 0
        while True:
            page = reception.get(url).get_json()
            seen += [row["id"] for row in page["items"]]
            if page["next_cursor"] is None:
                break
            size, inserted = plan[min(step, len(plan) - 1)]
            insert(inserted if step < len(plan) else 0)
            step += 1
            url = f"/api/v1/redemptions?page_size={size}&cursor={page['next_cursor']}"
        assert seen == sorted(set(seen)), "a row was sent twice or out of order"
        assert at_start <= set(seen), "a row present when the walk started was skipped"
        assert set(seen) == ids_of(app, world.structure_id), "a row inserted meanwhile was lost"

    walk()
    assert sent[0] > 0


def test_updated_since_brings_back_a_cancellation_behind_the_cursor(app, client):
    world = build(app)
    reception = Api(client, world.keys["reception"])
    made = [
        reception.post(
            "/api/v1/redemptions", json={"code": code}, headers={"Idempotency-Key": f"u-{i}"}
        ).get_json()
        for i, code in enumerate(world.codes[:3])
    ]
    first = reception.get("/api/v1/redemptions").get_json()
    assert [r["id"] for r in first["items"]] == [m["redemption_id"] for m in made]
    assert first["next_cursor"] is None
    cancelled = reception.post(f"/api/v1/redemptions/{made[0]['redemption_id']}/cancel")
    assert cancelled.status_code == 200
    since = first["as_of"]
    changed = reception.get("/api/v1/redemptions", query_string={"updated_since": since})
    rows = changed.get_json()["items"]
    assert made[0]["redemption_id"] in [r["id"] for r in rows]
    assert next(r for r in rows if r["id"] == made[0]["redemption_id"])["status"] == "cancelled"


def test_a_forged_cursor_is_refused_and_changes_nothing(app, client):
    world = build(app)
    reception = Api(client, world.keys["reception"])
    for forged in ("%%%", "bm90IGpzb24", "eyJhIjogLTF9", "x" * 600):
        answer = reception.get("/api/v1/redemptions", query_string={"cursor": forged})
        assert answer.status_code == 422
        assert answer.get_json()["code"] in ("invalid_cursor", "invalid_request")
    other = Api(client, world.keys["other_reception"])
    reception.post(
        "/api/v1/redemptions", json={"code": world.codes[0]}, headers={"Idempotency-Key": "f"}
    )
    from voucher.domain.cursor import Cursor, encode

    sneaky = encode(Cursor(after=0))
    assert other.get(f"/api/v1/redemptions?cursor={sneaky}").get_json()["items"] == []
