"""Small builders for the fraud tests: a programme with the default thresholds (or given
ones), books handed out, scans at chosen times, and reviewers with real grants."""

from __future__ import annotations

import itertools
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tests import factories as f
from voucher.db.models import Book, FraudFlag, Hold, Voucher
from voucher.domain import calendar
from voucher.services.access import people
from voucher.services.context import Actor
from voucher.services.issuance import handout
from voucher.services.organisations import organisations
from voucher.services.redemption import redeem
from voucher.services.redemption import scan as scanning

RECEPTION = Actor(label="accueil", user_id=77, ip="192.0.2.10")
_people = itertools.count(1)


def world(
    session: Session, *, books: int = 3, fraud_thresholds: dict | None = None, **overrides: object
) -> f.World:
    """A funded world whose programme uses the catalogue's defaults unless told otherwise."""
    return f.world(session, books=books, fraud_thresholds=fraud_thresholds or {}, **overrides)


def serial(w: f.World, n: int = 0) -> int:
    return w.batch.first_serial + n


def codes(session: Session, book_serial: int) -> list[str]:
    return list(
        session.scalars(
            select(Voucher.code)
            .join(Book, Book.id == Voucher.book_id)
            .where(Book.serial == book_serial)
            .order_by(Voucher.position)
        )
    )


def hand_out(session: Session, w: f.World, book_serial: int, ref: str = "dossier-1") -> None:
    handout.hand_out(
        session,
        f.ACTOR,
        serial=book_serial,
        prescriber_id=w.prescriber.id,
        profile=f.profile(ref),
        key=f.KEY,
    )


def scan(
    session: Session,
    w: f.World,
    code: str,
    *,
    actor: Actor = RECEPTION,
    structure_id: int | None = None,
    at: datetime | None = None,
    scan_id: str | None = None,
) -> redeem.Result:
    return redeem.redeem(
        session,
        actor,
        redeem.Scan(
            code=code, structure_id=structure_id or w.structure.id, scanned_at=at, scan_id=scan_id
        ),
    )


def refused_scan(
    session: Session,
    w: f.World,
    code: str,
    *,
    actor: Actor = RECEPTION,
    structure_id: int | None = None,
    at: datetime | None = None,
) -> str:
    """Scan past the guessing check, expect a refusal logged as every entry point logs it."""
    sid = structure_id or w.structure.id
    with calendar.at(at or calendar.utcnow()):
        outcome = scanning.attempt(session, actor, redeem.Scan(code=code, structure_id=sid))
    assert outcome.refusal is not None, "the scan was accepted"
    assert outcome.logged
    return outcome.refusal.code


def person(session: Session, org_id: int, role: str, *extra: tuple[int, str]) -> Actor:
    n = next(_people)
    user = people.create_user(
        session,
        f.ACTOR,
        email=f"relecteur{n}@exemple.test",
        name=f"Relecteur {n}",
        password="motdepasse-de-test",
        grants=[(org_id, role), *extra],
    )
    return Actor(label=user.email, user_id=user.id)


def operator(session: Session) -> int:
    return organisations.create_organisation(
        session, f.ACTOR, name="Opérateur du registre", siret=None, roles={"operator"}
    ).id


def flags(session: Session, rule: str) -> list[FraudFlag]:
    return list(
        session.scalars(select(FraudFlag).where(FraudFlag.rule == rule).order_by(FraudFlag.id))
    )


def open_holds(session: Session) -> int:
    return int(
        session.scalar(select(func.count()).select_from(Hold).where(Hold.status == "open")) or 0
    )
