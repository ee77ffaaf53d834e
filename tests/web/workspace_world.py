"""A small world for the workspace tests, built through the services and committed, and
helpers to sign in through the real ``/connexion`` form (with its CSRF token).

Two funders each fund their own programme through their own prescriber; two structures
scan; every role has a person, some in the "other" organisation, so each page can be
tried from inside and from outside its owner."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import pytest
from sqlalchemy import select

from tests import factories as f
from voucher.db.engine import unit_of_work
from voucher.db.models import Book, Voucher
from voucher.services.access import people
from voucher.services.issuance import batches, funds
from voucher.services.organisations import organisations
from voucher.web.limits import limiter

PASSWORD = "motdepasse-de-test"


@dataclass
class World:
    operator: int
    funder_a: int
    funder_b: int
    programme_a: int
    programme_b: int
    prescriber_a: int
    prescriber_b: int
    structure_a: int
    structure_b: int
    batch_a: int
    batch_b: int
    first_serial_a: int
    first_serial_b: int
    codes_a: list[str] = field(default_factory=list)  # book 1 of batch A, in order
    emails: dict[str, str] = field(default_factory=dict)
    user_ids: dict[str, int] = field(default_factory=dict)


def _person(s, w: World, key: str, org: int, role: str) -> None:
    email = f"{key}@exemple.test"
    user = people.create_user(
        s,
        f.ACTOR,
        email=email,
        name=key.replace("_", " ").title(),
        password=PASSWORD,
        grants=[(org, role)],
    )
    w.emails[key], w.user_ids[key] = email, user.id


def _funded_batch(s, programme, prescriber, funders, books: int = 3):
    batch = batches.issue_batch(
        s, f.ACTOR, programme_id=programme.id, prescriber_id=prescriber.id, books=books
    )
    total = books * programme.vouchers_per_book * programme.face_value_cents
    for funder in funders:
        funds.record_funds_received(
            s,
            f.ACTOR,
            programme_id=programme.id,
            funder_id=funder.id,
            amount_cents=total,
            received_on=date(2026, 1, 5),
        )
    batches.activate_batch(s, f.ACTOR, batch.id)
    return batch


def build_world(engine) -> World:
    with unit_of_work(engine) as s:
        operator = organisations.create_organisation(
            s, f.ACTOR, name="Opérateur", siret=None, roles={"operator"}
        )
        fa, fb = f.funder(s, "Fondation A"), f.funder(s, "Département B")
        pa = f.programme(s, [(fa, 10_000)], name="Pass A")
        pb = f.programme(s, [(fb, 10_000)], name="Pass B")
        xa, xb = f.prescriber(s, "Mission Locale A"), f.prescriber(s, "CCAS B")
        sa, sb = f.structure(s, "EPN A"), f.structure(s, "Médiathèque B")
        ba = _funded_batch(s, pa, xa, [fa])
        bb = _funded_batch(s, pb, xb, [fb])
        book = s.scalar(select(Book.id).where(Book.serial == ba.first_serial))
        codes = list(
            s.scalars(
                select(Voucher.code).where(Voucher.book_id == book).order_by(Voucher.position)
            )
        )
        w = World(
            operator.id,
            fa.id,
            fb.id,
            pa.id,
            pb.id,
            xa.id,
            xb.id,
            sa.id,
            sb.id,
            ba.id,
            bb.id,
            ba.first_serial,
            bb.first_serial,
            codes,
        )
        for key, org, role in (
            ("admin", operator.id, "admin"),
            ("admin_a", xa.id, "admin"),
            ("funder_a", fa.id, "funder"),
            ("funder_a2", fa.id, "funder"),
            ("funder_b", fb.id, "funder"),
            ("prescriber_a", xa.id, "prescriber"),
            ("prescriber_b", xb.id, "prescriber"),
            ("reception_a", sa.id, "reception"),
            ("reception_b", sb.id, "reception"),
            ("finance", operator.id, "finance"),
            ("evaluator", operator.id, "evaluator"),
        ):
            _person(s, w, key, org, role)
        return w


@pytest.fixture(autouse=True)
def cheap_argon2(monkeypatch):
    """Real argon2, with test-sized costs: the production costs take ~0.35 s a hash here
    and these tests create and sign in many people."""
    from argon2 import PasswordHasher

    monkeypatch.setattr(
        people, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    )


@pytest.fixture
def world(app) -> World:
    return build_world(app.extensions["voucher.engine"])


def token(page) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert found, "the page has no CSRF token"
    return found.group(1)


def login(client, email: str, password: str = PASSWORD) -> None:
    """Through the real sign-in form. The login rate limit (10 a minute per address) has
    its own test; here it is reset so that a test may sign several people in."""
    limiter.reset()
    client.post("/deconnexion", data={"csrf_token": token(client.get("/connexion"))})
    page = client.get("/connexion")
    done = client.post(
        "/connexion", data={"email": email, "password": password, "csrf_token": token(page)}
    )
    assert done.status_code == 302, done.get_data(as_text=True)[:500]


def post(client, path: str, data: dict | None = None, *, form_page: str | None = None, **kw):
    """Post a form with the CSRF token taken from ``form_page`` (default: the same path)."""
    page = client.get(form_page or path)
    body = dict(data or {})
    body["csrf_token"] = token(page)
    return client.post(path, data=body, **kw)


def text(response) -> str:
    return response.get_data(as_text=True)
