"""Every list a device or a partner polls (scans, holds, batches, books, statements, offline
disputes): cursor pages never skip nor repeat a row while rows of that list are inserted
between pages, and ``updated_since`` brings back a row changed behind the cursor.

Hypothesis plans each walk (page sizes, rows inserted between pages); the examples of one
list share one world, so each walk also starts over the rows left by the previous ones.
``VOUCHER_SYNC_EXAMPLES`` runs more (default: a few per list).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from tests import factories as f
from tests.services.finance import finance_world as fin
from tests.web.api.conftest import Api, ApiWorld, build
from voucher.db.engine import unit_of_work
from voucher.db.models import (
    Batch,
    Book,
    Hold,
    OfflineDispute,
    Organisation,
    Redemption,
    Statement,
)
from voucher.domain import calendar
from voucher.domain.finance import Period
from voucher.services.finance import close
from voucher.services.redemption import redeem

EXAMPLES = int(os.environ.get("VOUCHER_SYNC_EXAMPLES", "4"))


@dataclass
class Listing:
    """One list as a client walks it: the key, the path, the rows it must end with, and
    how to insert ``n`` rows of it meanwhile; ``key``: a row's identity in the answer."""

    api: Api
    path: str
    rows: Callable[[], set[int]]
    insert: Callable[[int], None]
    key: str = "id"


def _scanner(api: Api, world: ApiWorld, prefix: str) -> Callable[[], str]:
    codes, sent = iter(world.codes), count(1)

    def scan() -> str:
        code = next(codes)
        api.post(
            "/api/v1/redemptions",
            json={"code": code},
            headers={"Idempotency-Key": f"{prefix}-{next(sent)}"},
        )
        return code

    return scan


def _repeat(one: Callable[[], Any]) -> Callable[[int], None]:
    def many(n: int) -> None:
        for _ in range(n):
            one()

    return many


def _ids(app: Any, query: Any) -> set[int]:
    with unit_of_work(app.extensions["voucher.engine"]) as s:
        return set(s.scalars(query))


def redemptions(app: Any, client: Any) -> Listing:
    world = build(app, books=20)
    reception = Api(client, world.keys["reception"])
    scan = _scanner(reception, world, "scan")
    mine = select(Redemption.id).where(Redemption.structure_id == world.structure_id)
    return Listing(
        reception,
        "/api/v1/redemptions",
        lambda: _ids(app, mine),
        _repeat(scan),
    )


def holds(app: Any, client: Any) -> Listing:
    world = build(app, books=20, handout_policy="hold")  # a scan before hand-out is held
    scan = _scanner(Api(client, world.keys["reception"]), world, "hold")
    theirs = select(Hold.id).where(Hold.programme_id == world.programme_id)
    return Listing(
        Api(client, world.keys["funder"]),
        "/api/v1/holds?status=all",
        lambda: _ids(app, theirs),
        _repeat(scan),
    )


def _issuer(client: Any, world: ApiWorld) -> Callable[[int], None]:
    funder, sent = Api(client, world.keys["funder"]), count(1)
    body = {"programme_id": world.programme_id, "prescriber_id": world.prescriber_id, "books": 1}

    def issue(n: int) -> None:
        for _ in range(n):
            key = f"issue-{next(sent)}"
            answer = funder.post("/api/v1/batches", json=body, headers={"Idempotency-Key": key})
            assert answer.status_code in (200, 201, 202), answer.get_data(as_text=True)

    return issue


def batches(app: Any, client: Any) -> Listing:
    world = build(app, books=1)
    theirs = select(Batch.id).where(Batch.programme_id == world.programme_id)
    return Listing(
        Api(client, world.keys["funder"]),
        "/api/v1/batches",
        lambda: _ids(app, theirs),
        _issuer(client, world),
    )


def books(app: Any, client: Any) -> Listing:
    world = build(app, books=1)
    held = select(Book.serial).where(Book.holder_id == world.prescriber_id)
    return Listing(
        Api(client, world.keys["prescriber"]),
        "/api/v1/books",
        lambda: _ids(app, held),
        _issuer(client, world),
        key="serial",
    )


def disputes(app: Any, client: Any) -> Listing:
    world = build(app, books=20)
    reception = Api(client, world.keys["reception"])
    scan, sent = _scanner(reception, world, "online"), count(1)

    def refuse_offline(n: int) -> None:
        for _ in range(n):
            at = datetime.now(UTC).isoformat()
            again = {"scan_id": f"offline-{next(sent)}", "code": scan(), "scanned_at": at}
            reception.post("/api/v1/redemptions/batch", json={"scans": [again]})

    mine = select(OfflineDispute.id).where(OfflineDispute.structure_id == world.structure_id)
    return Listing(reception, "/api/v1/disputes", lambda: _ids(app, mine), refuse_offline)


def statements(app: Any, client: Any) -> Listing:
    """Each insert closes (now) one more month from January 2020, in which the place
    scanned once."""
    world = build(app, books=20)
    engine = app.extensions["voucher.engine"]
    with unit_of_work(engine) as s:
        fin.bank(s, s.get(Organisation, world.structure_id))
        operator = fin.person(s, fin.operator(s), "finance")
    codes, months = iter(world.codes), count(0)

    def close_months(n: int) -> None:
        for _ in range(n):
            m = next(months)
            period = Period(2020 + m // 12, m % 12 + 1)
            start = period.bounds()[0]
            with unit_of_work(engine) as s, calendar.at(start + timedelta(days=9)):
                scan = redeem.Scan(next(codes), world.structure_id, theme="email")
                redeem.redeem(s, f.ACTOR, scan)
            with unit_of_work(engine) as s:  # closed now, long after: issued now
                close.close_month(s, operator, period)

    mine = select(Statement.id).where(Statement.structure_id == world.structure_id)
    return Listing(
        Api(client, world.keys["reception"]),
        "/api/v1/statements",
        lambda: _ids(app, mine),
        close_months,
    )


LISTS = {f.__name__: f for f in (redemptions, holds, batches, books, statements, disputes)}


@pytest.mark.parametrize("name", sorted(LISTS))
def test_cursor_pages_stay_exact_while_rows_are_inserted(app, client, name):
    listing = LISTS[name](app, client)
    joiner = "&" if "?" in listing.path else "?"
    most = 1 if name == "statements" else 3  # a month closed per statement

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(
        before=st.integers(0, most),
        plan=st.lists(st.tuples(st.integers(1, 3), st.integers(0, most)), min_size=1, max_size=4),
    )
    def walk(before: int, plan: list[tuple[int, int]]) -> None:
        listing.insert(before)
        at_start = listing.rows()
        seen: list[int] = []
        url = f"{listing.path}{joiner}page_size={plan[0][0]}"
        step = 0
        while True:
            page = listing.api.get(url).get_json()
            seen += [row[listing.key] for row in page["items"]]
            if page["next_cursor"] is None:
                break
            size, inserted = plan[min(step, len(plan) - 1)]
            listing.insert(inserted if step < len(plan) else 0)
            step += 1
            url = f"{listing.path}{joiner}page_size={size}&cursor={page['next_cursor']}"
        assert seen, "the list is empty: its rows were not inserted"
        assert seen == sorted(set(seen)), "a row was sent twice or out of order"
        assert at_start <= set(seen), "a row present when the walk started was skipped"
        assert set(seen) == listing.rows(), "a row inserted meanwhile was lost"

    listing.insert(1)
    walk()


@pytest.mark.parametrize("name", sorted(LISTS))
def test_updated_since_brings_back_new_rows_and_only_changes(app, client, name):
    """A walk's ``as_of`` sent back as ``updated_since``: rows inserted after the walk come
    back; with nothing changed, nothing does."""
    listing = LISTS[name](app, client)
    listing.insert(1)
    first = listing.api.get(listing.path).get_json()
    assert first["items"]
    since = datetime.fromisoformat(first["as_of"]) + timedelta(minutes=5)
    joiner = "&" if "?" in listing.path else "?"
    nothing = listing.api.get(f"{listing.path}{joiner}updated_since={quote(since.isoformat())}")
    assert nothing.get_json()["items"] == [], "nothing changed, yet rows came back"
    before = listing.rows()
    listing.insert(1)
    new = listing.rows() - before
    changed = listing.api.get(f"{listing.path}{joiner}updated_since={quote(first['as_of'])}")
    assert new <= {row[listing.key] for row in changed.get_json()["items"]}
