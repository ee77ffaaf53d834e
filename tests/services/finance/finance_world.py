"""Builders for the finance tests: structures with validated bank details, scans at chosen
Paris moments, finance people with real grants, and a month closed end to end."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from schwifty import IBAN
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from tests import factories as f
from voucher.db.engine import unit_of_work
from voucher.db.models import Book, Organisation, Voucher
from voucher.domain import calendar
from voucher.domain.calendar import PARIS
from voucher.domain.finance import Period
from voucher.services.access import people
from voucher.services.context import SYSTEM, Actor
from voucher.services.finance import close, ledger_audit
from voucher.services.issuance import batches, funds
from voucher.services.organisations import bank_details, organisations
from voucher.services.redemption import redeem, screening

RECEPTION = Actor(label="accueil", user_id=501)
_n = itertools.count(1)


def iban(n: int | None = None) -> str:
    return str(
        IBAN.generate(
            "FR",
            bank_code="30006",
            branch_code="00001",
            account_code=f"{n or next(_n) + 1000:011d}",
        )
    )


def bank(
    session: Session, org: Organisation, *, validate: bool = True, iban_value: str | None = None
) -> int:
    acc = bank_details.set_bank_details(
        session, f.ACTOR, org.id, holder_name=org.name, iban=iban_value or iban()
    )
    if validate:
        bank_details.decide_bank_details(session, f.SECOND, acc.id, validate=True)
    return acc.id


@dataclass
class FinanceWorld:
    w: f.World
    structures: list[Organisation]
    codes: list[str] = field(default_factory=list)

    @property
    def programme_id(self) -> int:
        return self.w.programme.id


def world(
    session: Session,
    *,
    structures: int = 2,
    books: int = 4,
    banked: int | None = None,
    **overrides: object,
) -> FinanceWorld:
    """A funded programme (two funders, 50/50), ``structures`` labelled places of which the
    first ``banked`` (default all) have validated bank details."""
    with calendar.at(datetime(2026, 1, 5, 9, tzinfo=UTC)):
        w = f.world(session, books=books, **overrides)
        places = [w.structure] + [
            f.structure(session, f"Lieu {i + 2}") for i in range(structures - 1)
        ]
        for org in places[: structures if banked is None else banked]:
            bank(session, org)
    codes = list(
        session.scalars(
            select(Voucher.code)
            .join(Book, Book.id == Voucher.book_id)
            .where(Voucher.programme_id == w.programme.id)
            .order_by(Book.serial, Voucher.position)
        )
    )
    return FinanceWorld(w, places, codes)


def paris(y: int, m: int, d: int, hh: int = 12, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=PARIS).astimezone(UTC)


def scan(
    session: Session,
    fw: FinanceWorld,
    moment: datetime,
    *,
    structure: int = 0,
    actor: Actor = RECEPTION,
) -> redeem.Result:
    code = fw.codes.pop(0)
    with calendar.at(moment):
        return redeem.redeem(
            session,
            actor,
            redeem.Scan(code=code, structure_id=fw.structures[structure].id, theme="email"),
        )


def person(session: Session, org_id: int, role: str = "finance") -> Actor:
    n = next(_n)
    user = people.create_user(
        session,
        f.ACTOR,
        email=f"finance{n}@exemple.test",
        name=f"Finance {n}",
        password="motdepasse-de-test",
        grants=[(org_id, role)],
    )
    return Actor(label=user.email, user_id=user.id, organisation_id=org_id, role=role)


def operator(session: Session) -> int:
    return organisations.create_organisation(
        session, f.ACTOR, name="Opérateur du registre", siret=None, roles={"operator"}
    ).id


def busy_months(engine: Engine, scans: int, structures: int, months: int = 1) -> tuple[int, Period]:
    """Commit a world with ``scans`` accepted scans spread over ``months`` Paris months from
    March 2026 and ``structures`` banked places (rules off while seeding); every month but
    the last is closed, and the journal sealed, as in a running year. Returns the scans made
    and the month left to close. Used by the drills and by ``bench/close.py``."""
    scans = max(structures, scans)
    with unit_of_work(engine) as s, calendar.at(datetime(2026, 1, 5, 9, tzinfo=UTC)):
        fw = world(s, structures=structures, books=1)
        batch = batches.issue_batch(
            s,
            f.ACTOR,
            programme_id=fw.programme_id,
            prescriber_id=fw.w.prescriber.id,
            books=scans // 10 + 1,
        )
        for funder in (fw.w.funder_a, fw.w.funder_b):
            funds.record_funds_received(
                s,
                f.ACTOR,
                programme_id=fw.programme_id,
                funder_id=funder.id,
                amount_cents=(scans + 10) * 1000,
                received_on=date(2026, 1, 5),
            )
        batches.activate_batch(s, f.ACTOR, batch.id)
        ledger_audit.seal(s)
        places = [p.id for p in fw.structures]
        codes = list(
            s.scalars(
                select(Voucher.code)
                .join(Book, Book.id == Voucher.book_id)
                .where(Book.batch_id == batch.id)
                .order_by(Voucher.id)
            )
        )[:scans]
    actor = Actor(label="seed", user_id=900)
    period = Period(2026, 3)
    per_month = -(-len(codes) // months)
    for m in range(months):
        start = period.bounds()[0] + timedelta(hours=8)
        for first in range(m * per_month, min(len(codes), (m + 1) * per_month), 250):
            with unit_of_work(engine) as s:
                for k, code in enumerate(
                    codes[first : min(first + 250, (m + 1) * per_month)], first
                ):
                    with calendar.at(start + timedelta(seconds=(k % per_month) * 60)):
                        redeem.redeem(
                            s,
                            actor,
                            redeem.Scan(code=code, structure_id=places[k % len(places)]),
                            screening.CORE_ONLY,
                        )
        if m < months - 1:
            with (
                unit_of_work(engine) as s,
                calendar.at(period.next().bounds()[0] + timedelta(days=1)),
            ):
                close.close_month(s, SYSTEM, period)
            period = period.next()
    return len(codes), period
