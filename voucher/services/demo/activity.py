"""The demo pilot's life since January: hand-outs and sessions month by month, a lost book,
refused codes, and what the review queue and the alerts are for (held scans, a voucher
presented twice). ALL DATA IS FICTITIOUS."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voucher.db.models import Batch, Book, Organisation, Redemption, User, Voucher
from voucher.domain import vocab
from voucher.domain.calendar import at
from voucher.domain.states import BookStatus, VoucherState
from voucher.services.context import Actor
from voucher.services.demo.cast import AGE_FOR, PRESCRIBERS, STATUS_FOR
from voucher.services.demo.pilot import ACTOR, DemoSummary, Pilot
from voucher.services.issuance import books, handout
from voucher.services.redemption import redeem
from voucher.services.redemption import scan as scanning


def _moment(day: date, rng: random.Random) -> datetime:
    return datetime(
        day.year, day.month, day.day, rng.randint(8, 16), rng.randint(0, 59), tzinfo=UTC
    )


#: (when, code, structure id, book id) of a session to pay with a voucher
Pending = tuple[date, str, int, int]
#: the demo's true story: each prescriber mostly serves its own public, but 40 % of the
#: people it hands books to come from the other publics, so zone and public are not one
#: and the same; rural people come back a little more often (more books completed) and
#: gain autonomy a little faster per session than urban people: a real, modest gap
OWN_PUBLIC = 0.6
SESSIONS = {
    "rural": [0, 1, 3, 4, 10, 10, 10, 10, 6],
    "urban": [0, 1, 2, 4, 6, 8, 10, 10, 3],
}
#: chance, at each session, to go one level up the national autonomy scale (or, rarely, down)
STEP_UP = {"rural": 0.20, "urban": 0.13}
STEP_DOWN = 0.12
#: level noted at the first session: most people start fully accompanied, some are already
#: partly autonomous, a few already autonomous (they cannot progress on this scale)
FIRST_LEVEL = [0, 0, 1, 1, 1, 2]


def months_of_activity(
    session: Session,
    rng: random.Random,
    pilot: Pilot,
    issued: list[tuple[Organisation, Batch]],
    reception: User,
    summary: DemoSummary,
    start: date,
    today: date,
) -> None:
    """Books handed out over the months, sessions paid with their vouchers (autonomy rising
    book by book), one book lost, and a few mistyped or repeated codes refused."""
    pending: list[Pending] = []
    for index, (presc, batch) in enumerate(issued):
        population = PRESCRIBERS[index][3]
        serials = list(range(batch.first_serial, batch.first_serial + batch.books_count))
        lost = serials.pop() if index == 2 else None
        for n, serial in enumerate(serials[: int(len(serials) * 0.9)]):
            day = start + timedelta(days=rng.randint(10, max(11, (today - start).days - 20)))
            with at(_moment(day, rng)):
                _hand_out(session, rng, presc, population, serial, n)
            summary.handed_out += 1
            pending += _sessions(session, rng, pilot, presc, serial, day, today)
        if lost:
            with at(_moment(start + timedelta(days=60), rng)):
                books.report_book(session, ACTOR, lost, reason=BookStatus.LOST)
    pending.sort(key=lambda p: (p[0], p[3]))  # by day and carnet, never by the random code
    rural = {s.id for s in pilot.structures if s.zone_kind == "rural"}
    summary.redemptions += _pay_sessions(session, rng, reception, pending, rural)
    summary.refusals += _present_wrong_codes(session, pending[:: max(1, len(pending) // 8)])


def _hand_out(
    session: Session,
    rng: random.Random,
    presc: Organisation,
    population: str,
    serial: int,
    n: int,
) -> None:
    if rng.random() >= OWN_PUBLIC:
        population = rng.choice(list(AGE_FOR))
    handout.hand_out(
        session,
        ACTOR,
        serial=serial,
        prescriber_id=presc.id,
        key=b"demo-key",
        profile=handout.Profile(
            local_reference=f"dossier-{presc.id}-{n}",
            population=population,
            age_band=rng.choice(AGE_FOR[population]),
            social_status=STATUS_FOR[population],
            commune_insee=presc.commune_insee,
            density_class=presc.density_class,
            consent=True,
        ),
    )


def _sessions(
    session: Session,
    rng: random.Random,
    pilot: Pilot,
    presc: Organisation,
    serial: int,
    day: date,
    today: date,
) -> list[Pending]:
    """The sessions the book's holder will attend, near home, days to weeks apart."""
    kind = "rural" if presc.zone_kind == "rural" else "urban"
    home = [s for s in pilot.structures if s.zone_kind == kind]
    sessions = rng.choice(SESSIONS[kind])
    book_id = int(session.scalar(select(Book.id).where(Book.serial == serial)) or 0)
    codes = session.scalars(
        select(Voucher.code).where(Voucher.book_id == book_id).order_by(Voucher.position)
    ).all()
    out: list[Pending] = []
    when = day
    for code in codes[:sessions]:
        when = when + timedelta(days=rng.randint(3, 21))
        if when >= today:
            break
        out.append((when, code, rng.choice(home).id, book_id))
    return out


def _pay_sessions(
    session: Session,
    rng: random.Random,
    reception: User,
    pending: list[Pending],
    rural: set[int],
) -> int:
    autonomy = list(vocab.AUTONOMY)
    level: dict[int, int] = {}
    desk = Actor(label="démo", user_id=reception.id)
    for when, code, structure_id, book_id in pending:
        step = STEP_UP["rural" if structure_id in rural else "urban"]
        if book_id not in level:
            rank = rng.choice(FIRST_LEVEL)
        else:
            draw = rng.random()
            move = 1 if draw < step else -1 if draw > 1 - STEP_DOWN else 0
            rank = max(0, min(2, level[book_id] + move))
        level[book_id] = rank
        with at(_moment(when, rng)):
            redeem.redeem(
                session,
                desk,
                redeem.Scan(
                    code=code,
                    structure_id=structure_id,
                    theme=rng.choice(list(vocab.THEMES)[:8]),
                    autonomy=autonomy[rank],
                ),
            )
    return len(pending)


def _present_wrong_codes(session: Session, sample: list[Pending]) -> int:
    """Each sampled code presented again, and once mistyped (last digit off by one)."""
    refused = 0
    for _when, code, structure_id, _book in sample:
        for raw in (code, code[:-1] + str((int(code[-1]) + 1) % 10)):
            scanned = redeem.Scan(code=raw, structure_id=structure_id)
            if scanning.attempt(session, ACTOR, scanned).refusal is not None:
                refused += 1
    return refused


def _untouched_books(session: Session, count: int) -> list[list[str]]:
    """Codes of the first ``count`` handed-out books none of whose vouchers was scanned."""
    full = (
        select(Voucher.book_id)
        .join(Book, Book.id == Voucher.book_id)
        .where(Book.status == BookStatus.HANDED_OUT, Voucher.state == VoucherState.DISTRIBUTED)
        .group_by(Voucher.book_id)
        .having(func.count() == 10)
        .order_by(Voucher.book_id)
        .limit(count)
    )
    return [
        list(
            session.scalars(
                select(Voucher.code).where(Voucher.book_id == book_id).order_by(Voucher.position)
            )
        )
        for book_id in session.scalars(full)
    ]


def suspicious_scans(
    session: Session,
    structures: list[Organisation],
    users: dict[str, User],
    summary: DemoSummary,
    today: date,
) -> None:
    """What the review queue and the alerts are for: at two places, three vouchers of one
    book scanned the same morning (the third is held by ``book_per_day``), and a voucher
    already redeemed in town presented again at the rural café (a ``high`` alert)."""
    desks = [
        (users["accueil"], structures[0], today - timedelta(days=2)),
        (users["accueil-rural"], structures[3], today - timedelta(days=1)),
    ]
    for (user, place, day), codes in zip(
        desks, _untouched_books(session, len(desks)), strict=False
    ):
        desk = Actor(label="démo", user_id=user.id)
        for n, code in enumerate(codes[:3]):
            with at(datetime(day.year, day.month, day.day, 9, 10 + 20 * n, tzinfo=UTC)):
                result = redeem.redeem(
                    session,
                    desk,
                    redeem.Scan(
                        code=code,
                        structure_id=place.id,
                        theme="aide_aux_demarches_administratives",
                        autonomy="entierement_accompagne",
                    ),
                )
            summary.redemptions += 1
            summary.held += result.status == "held"
    first = session.scalar(
        select(Voucher.code)
        .join(Redemption, Redemption.voucher_id == Voucher.id)
        .where(Redemption.structure_id == structures[0].id, Redemption.status == "accepted")
        .order_by(Redemption.id)
        .limit(1)
    )
    if first is None:
        return
    rural_desk = Actor(label="démo", user_id=users["accueil-rural"].id)
    with at(datetime(today.year, today.month, today.day, 7, 45, tzinfo=UTC)):
        scanned = redeem.Scan(code=first, structure_id=structures[3].id)
        if scanning.attempt(session, rural_desk, scanned).refusal is not None:
            summary.refusals += 1
