"""The demo's before/after: each pilot person is asked at hand-out, then after their last
session, whether they do the procedure online alone; a waiting-list cohort (people who
asked for a carnet and will get one next year) is asked the same question at the same
months. ALL DATA IS FICTITIOUS.

The true story it tells: a few people do it alone at the start in both groups; a year on,
the waiting list has moved a little (people learn anyway) and the pilot more, a little more
in the rural zone. It draws from its own seeded generator, so adding it changes none of the
pilot's other figures and two builds give the same answers.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from voucher.db.models import Book, Redemption
from voucher.domain.calendar import at, paris_date
from voucher.domain.states import BookStatus
from voucher.services.demo.cast import AGE_FOR, STATUS_FOR
from voucher.services.demo.pilot import ACTOR, Pilot
from voucher.services.evaluation import follow_up
from voucher.services.issuance import handout

#: chance to answer "alone" (``autonome``), "partly", at each moment; the rest say "no"
BEFORE = (0.15, 0.25)
AFTER = {"rural": (0.32, 0.35), "urban": (0.27, 0.35), "comparaison": (0.20, 0.25)}
#: enough "not asked" in each zone (over 11) that the table need not mask it
NOT_ASKED = 0.15
WAITING_LIST = 60  # people per prescriber


def _answer(rng: random.Random, chances: tuple[float, float]) -> str:
    if rng.random() < NOT_ASKED:
        return "non_communique"
    draw = rng.random()
    if draw < chances[0]:
        return "autonome"
    return "partiellement_autonome" if draw < sum(chances) else "entierement_accompagne"


def _noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, 0, tzinfo=UTC)


def record_all(session: Session, rng: random.Random, pilot: Pilot, today: date) -> int:
    """Declare the waiting list, then every answer; returns the number of answers."""
    with at(_noon(date(today.year, 1, 6))):
        follow_up.declare(
            session,
            ACTOR,
            programme_id=pilot.programme.id,
            kind="liste_attente",
            label="Liste d'attente des prescripteurs (carnets l'an prochain, fictive)",
        )
    return _pilot(session, rng, pilot, today) + _waiting_list(session, rng, pilot, today)


def _pilot(session: Session, rng: random.Random, pilot: Pilot, today: date) -> int:
    books = session.scalars(
        select(Book)
        .where(Book.programme_id == pilot.programme.id, Book.status == BookStatus.HANDED_OUT)
        .order_by(Book.id)
    ).all()
    kinds = {o.id: o.zone_kind for o in pilot.prescribers}
    n = 0
    for book in books:
        last = session.execute(
            select(Redemption.scanned_at, Redemption.structure_id)
            .where(Redemption.book_id == book.id, Redemption.status == "accepted")
            .order_by(Redemption.scanned_at.desc(), Redemption.id.desc())
            .limit(1)
        ).first()
        if last is None or book.handed_out_at is None:
            continue
        given = paris_date(book.handed_out_at)
        with at(_noon(given)):
            follow_up.record(
                session,
                ACTOR,
                serial=book.serial,
                organisation_id=book.holder_id,
                role="prescriber",
                answer=_answer(rng, BEFORE),
                observed_on=given,
                moment="avant",
            )
        asked = paris_date(last[0]) + timedelta(days=rng.randint(0, 30))
        if asked >= today:
            continue  # still coming to sessions: asked later
        kind = "rural" if kinds.get(book.holder_id) == "rural" else "urban"
        with at(_noon(asked)):
            follow_up.record(
                session,
                ACTOR,
                serial=book.serial,
                organisation_id=last[1],
                role="structure",
                answer=_answer(rng, AFTER[kind]),
                observed_on=asked,
            )
        n += 2
    return n


def _waiting_list(session: Session, rng: random.Random, pilot: Pilot, today: date) -> int:
    n = 0
    for presc in pilot.prescribers:
        for k in range(WAITING_LIST):
            population = rng.choice(list(AGE_FOR))
            profile = handout.Profile(
                local_reference=f"attente-{presc.id}-{k}",
                population=population,
                age_band=rng.choice(AGE_FOR[population]),
                social_status=STATUS_FOR[population],
                commune_insee=presc.commune_insee,
                density_class=presc.density_class,
                consent=True,
            )
            first = date(today.year, 1, 10) + timedelta(days=rng.randint(0, 60))
            then = min(today, first + timedelta(days=rng.randint(150, 240)))
            for moment, day, chances in (
                ("avant", first, BEFORE),
                ("apres", then, AFTER["comparaison"]),
            ):
                with at(_noon(day)):
                    follow_up.record_comparison(
                        session,
                        ACTOR,
                        programme_id=pilot.programme.id,
                        prescriber_id=presc.id,
                        profile=profile,
                        key=b"demo-key",
                        answer=_answer(rng, chances),
                        observed_on=day,
                        moment=moment,
                    )
                n += 1
    return n
