"""Reads for the evaluation: release numbers and each beneficiary's sessions (no writes)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from voucher.db.models import Beneficiary, Redemption

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
    session: Session, programmes: frozenset[int] | None
) -> dict[int, PersonSessions]:
    """beneficiary id -> their accepted sessions across every carnet of these programmes."""
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
