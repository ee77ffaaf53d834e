"""Reads for the evaluation: release numbers, each beneficiary's sessions, handed-out
carnets, follow-up answers and declared comparison groups (no writes)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voucher.db.models import (
    Beneficiary,
    Book,
    ComparisonGroup,
    FollowUp,
    Programme,
    Redemption,
)
from voucher.domain.calendar import paris_date

#: the registry's zone kinds, as the exports spell them
ZONE_NAMES = {"rural": "rural", "urban": "urbain"}


@dataclass
class PersonSessions:
    zone: str
    population: str
    age_band: str
    #: autonomy noted at each accepted session, in time order ("" when not noted)
    levels: list[str] = field(default_factory=list)


def people_sessions(
    session: Session, programmes: frozenset[int] | None, until: datetime | None = None
) -> dict[int, PersonSessions]:
    """beneficiary id -> their accepted sessions across every carnet of these programmes
    (scanned before ``until`` when given)."""
    q = (
        select(
            Redemption.beneficiary_id,
            Beneficiary.zone_kind,
            Beneficiary.population,
            Beneficiary.age_band,
            Redemption.autonomy,
        )
        .join(Beneficiary, Beneficiary.id == Redemption.beneficiary_id)
        .where(Redemption.status == "accepted")
        .order_by(Redemption.beneficiary_id, Redemption.scanned_at, Redemption.id)
    )
    if programmes is not None:
        q = q.where(Redemption.programme_id.in_(sorted(programmes)))
    if until is not None:
        q = q.where(Redemption.scanned_at < until)
    out: dict[int, PersonSessions] = {}
    for raw_id, zone, population, age, autonomy in session.execute(q):
        if raw_id is None:  # the join keeps handed-out carnets only
            continue
        bid = int(raw_id)
        person = out.get(bid)
        if person is None:
            zone_name = ZONE_NAMES.get(zone or "", "non_renseigne")
            person = out[bid] = PersonSessions(zone_name, population, age)
        person.levels.append(autonomy or "")
    return out


@dataclass(frozen=True)
class Carnet:
    zone: str
    population: str
    age_band: str
    completed: bool
    #: the holder (a person may hold several carnets: their rows are clustered)
    person: int = 0


def handed_out_carnets(
    session: Session, programmes: frozenset[int] | None, until: datetime | None = None
) -> list[Carnet]:
    """Every handed-out carnet with its holder's zone and profile, and whether all its
    vouchers were used (accepted scans), as the report's ``carnets_termines`` counts
    (hand-outs and scans before ``until`` when given)."""
    scans = [Redemption.status == "accepted"]
    if until is not None:
        scans.append(Redemption.scanned_at < until)
    used = (
        select(Redemption.book_id, func.count().label("n"))
        .where(*scans)
        .group_by(Redemption.book_id)
        .subquery()
    )
    q = (
        select(
            Beneficiary.zone_kind,
            Beneficiary.population,
            Beneficiary.age_band,
            func.coalesce(used.c.n, 0),
            Programme.vouchers_per_book,
            Book.beneficiary_id,
        )
        .select_from(Book)
        .join(Beneficiary, Beneficiary.id == Book.beneficiary_id)
        .join(Programme, Programme.id == Book.programme_id)
        .outerjoin(used, used.c.book_id == Book.id)
        .order_by(Book.id)
    )
    if programmes is not None:
        q = q.where(Book.programme_id.in_(sorted(programmes)))
    if until is not None:
        q = q.where(Book.handed_out_at < until)
    return [
        Carnet(ZONE_NAMES.get(zone or "", "non_renseigne"), pop, age, int(n) >= int(per), int(who))
        for zone, pop, age, n, per, who in session.execute(q)
    ]


@dataclass(frozen=True)
class Answered:
    person: int
    cohort: str
    moment: str
    answer: str
    zone: str
    population: str
    age_band: str


def follow_up_answers(
    session: Session, programmes: frozenset[int] | None, until: datetime | None = None
) -> list[Answered]:
    """Each person's latest answer per cohort and moment (by day observed, then entry),
    observed on a Paris day before ``until`` when given."""
    q = (
        select(
            FollowUp.beneficiary_id,
            FollowUp.cohort,
            FollowUp.moment,
            FollowUp.answer,
            Beneficiary.zone_kind,
            Beneficiary.population,
            Beneficiary.age_band,
        )
        .join(Beneficiary, Beneficiary.id == FollowUp.beneficiary_id)
        .order_by(FollowUp.observed_on, FollowUp.id)
    )
    if programmes is not None:
        q = q.where(FollowUp.programme_id.in_(sorted(programmes)))
    if until is not None:
        q = q.where(FollowUp.observed_on < paris_date(until))
    latest: dict[tuple[int, str, str], Answered] = {}
    for bid, cohort, moment, answer, zone, pop, age in session.execute(q):
        zone_name = ZONE_NAMES.get(zone or "", "non_renseigne")
        latest[(int(bid), cohort, moment)] = Answered(
            int(bid), cohort, moment, answer, zone_name, pop, age
        )
    return [latest[k] for k in sorted(latest)]


def comparison_kinds(session: Session, programmes: frozenset[int] | None) -> list[str]:
    q = select(ComparisonGroup.kind).order_by(ComparisonGroup.programme_id)
    if programmes is not None:
        q = q.where(ComparisonGroup.programme_id.in_(sorted(programmes)))
    return list(session.scalars(q))
