"""The public directory "Où utiliser mon pass ?": places holding a label valid today,
each address of presence (or the organisation's own address when it declared none), with
the programmes that accept it today, by the same rules as a scan: the programme's list of
structures (empty: any), its accepted labels (empty: any valid label), its pilot zones
(empty: anywhere)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from voucher.db.models import (
    CommuneCentre,
    Label,
    Organisation,
    PilotZoneCommune,
    PlaceApplication,
    PlaceSite,
    Programme,
    ProgrammeLabel,
    ProgrammeStructure,
    ProgrammeZone,
)
from voucher.domain import geo, places


@dataclass
class Place:
    id: str
    organisation_id: int
    organisation: str
    siret: str | None
    name: str
    street_number: str | None
    street: str | None
    postcode: str | None
    town: str | None
    commune_insee: str | None
    services: list[str]
    hours: str | None
    hours_text: str | None
    accessibility: list[str]
    summary: str | None
    phone: str | None
    email: str | None
    updated: date
    programmes: list[tuple[int, str]] = field(default_factory=list)
    latitude: float | None = None  # WGS 84, when the national file or the operator gave it
    longitude: float | None = None
    #: from the centre of the person's commune, as the crow flies (the letter only)
    distance_km: float | None = None

    @property
    def address(self) -> str:
        return " ".join(x for x in (self.street_number, self.street) if x)


def _labels_today(session: Session, today: date) -> dict[int, set[str]]:
    held: dict[int, set[str]] = defaultdict(set)
    rows = session.execute(
        select(Label.organisation_id, Label.name).where(
            Label.valid_from <= today, or_(Label.valid_until.is_(None), Label.valid_until >= today)
        )
    ).all()
    for org_id, name in rows:
        held[int(org_id)].add(str(name))
    return held


def _programmes(
    session: Session, today: date, only: int | None = None
) -> list[tuple[int, str, set[int], set[str], set[str]]]:
    """Open programmes today (or only the programme ``only``, open or not yet): (id, name,
    structures listed, labels accepted, communes)."""
    query = select(Programme.id, Programme.name).order_by(Programme.name)
    if only is None:
        query = query.where(
            Programme.status == "open",
            Programme.valid_from <= today,
            Programme.valid_until >= today,
        )
    else:
        query = query.where(Programme.id == only)
    progs = session.execute(query).all()
    listed: dict[int, set[int]] = defaultdict(set)
    for p, s in session.execute(
        select(ProgrammeStructure.programme_id, ProgrammeStructure.structure_id)
    ):
        listed[int(p)].add(int(s))
    labels: dict[int, set[str]] = defaultdict(set)
    for p, n in session.execute(select(ProgrammeLabel.programme_id, ProgrammeLabel.label_name)):
        labels[int(p)].add(str(n))
    communes: dict[int, set[str]] = defaultdict(set)
    for p, c in session.execute(
        select(ProgrammeZone.programme_id, PilotZoneCommune.insee_code).join(
            PilotZoneCommune, PilotZoneCommune.zone_id == ProgrammeZone.zone_id
        )
    ):
        communes[int(p)].add(str(c))
    return [(int(i), str(n), listed[int(i)], labels[int(i)], communes[int(i)]) for i, n in progs]


def labelled_places(session: Session, today: date, programme_id: int | None = None) -> list[Place]:
    """Every address of presence of a place labelled today, with the open programmes that
    accept it (or, with ``programme_id``, whether that one programme would accept it once
    open: a carnet is printed before its programme opens)."""
    held = _labels_today(session, today)
    if not held:
        return []
    orgs = session.scalars(
        select(Organisation)
        .where(Organisation.is_structure.is_(True), Organisation.id.in_(list(held)))
        .order_by(Organisation.name)
    ).all()
    apps = {
        a.organisation_id: a
        for a in session.scalars(
            select(PlaceApplication).where(
                PlaceApplication.organisation_id.in_([o.id for o in orgs])
            )
        )
    }
    sites: dict[int, list[PlaceSite]] = defaultdict(list)
    for s in session.scalars(
        select(PlaceSite)
        .where(PlaceSite.organisation_id.in_([o.id for o in orgs]))
        .order_by(PlaceSite.id)
    ):
        sites[s.organisation_id].append(s)
    programmes = _programmes(session, today, programme_id)
    out: list[Place] = []
    for org in orgs:
        app = apps.get(org.id)
        services = [s for s in (org.services or "").split("|") if s]
        updated = (app.updated_at if app else org.created_at).date()
        common = dict(
            organisation_id=org.id,
            organisation=org.name,
            siret=org.siret,
            services=services,
            summary=app.summary if app else None,
            phone=app.phone if app else None,
            email=org.email,
            updated=updated,
        )
        shown: list[PlaceSite | None] = list(sites.get(org.id, [])) or [None]
        for site in shown:
            place = Place(
                id=f"pass-{org.id}-{site.id}" if site else f"pass-{org.id}",
                name=site.name if site else org.name,
                street_number=site.street_number if site else org.street_number,
                street=site.street if site else org.street,
                postcode=site.postcode if site else org.postcode,
                town=site.town if site else org.town,
                commune_insee=(site.commune_insee if site else None) or org.commune_insee,
                hours=site.hours if site else None,
                hours_text=site.hours_text if site else None,
                accessibility=list(site.accessibility) if site else [],
                latitude=site.latitude if site else org.latitude,
                longitude=site.longitude if site else org.longitude,
                **common,  # type: ignore[arg-type]
            )
            place.programmes = [
                (pid, name)
                for pid, name, listed, labels, communes in programmes
                if (not listed or org.id in listed)
                and (not labels or labels & held[org.id])
                and (not communes or place.commune_insee in communes)
            ]
            out.append(place)
    return out


def search(
    session: Session, today: date, query: str, programme_id: int | None = None
) -> list[Place]:
    """By postcode (its first digits) or commune name (accents, case and hyphens
    ignored); only places that accept at least one programme (or the one asked)."""
    wanted = query.strip()
    key = places.search_key(wanted)
    found = []
    for p in labelled_places(session, today):
        if not p.programmes or (programme_id and programme_id not in {i for i, _ in p.programmes}):
            continue
        if wanted.isdigit():
            if (p.postcode or "").startswith(wanted):
                found.append(p)
        elif key and key in places.search_key(p.town):
            found.append(p)
    return found


def nearest(
    session: Session, today: date, commune_insee: str | None, programme_id: int, limit: int = 8
) -> list[Place]:
    """Places accepting ``programme_id`` nearest the person: those of their commune whose
    position is unknown, then, when the centre of the commune is known, the located places
    by distance from it (each told its distance), then the rest of the department (by
    postcode, then name). Without a centre: the commune, then the department."""
    dept = places.department(commune_insee)
    accepting = [
        p for p in labelled_places(session, today) if programme_id in {i for i, _ in p.programmes}
    ]
    centre = session.get(CommuneCentre, commune_insee) if commune_insee else None
    located: list[Place] = []
    if centre is not None:
        for p in accepting:
            if p.latitude is not None and p.longitude is not None:
                p.distance_km = geo.distance_km(
                    (centre.latitude, centre.longitude), (p.latitude, p.longitude)
                )
                located.append(p)
        located.sort(key=lambda p: (p.distance_km or 0.0, p.name))
    rest = [p for p in accepting if p not in located]
    same = [p for p in rest if commune_insee and p.commune_insee == commune_insee]
    near = [
        p for p in rest if p not in same and dept and places.department(p.commune_insee) == dept
    ]
    near.sort(key=lambda p: (p.postcode or "", p.name))
    return (same + located + near)[:limit]


def for_cover(
    session: Session, today: date, programme_id: int, commune_insee: str | None, limit: int
) -> list[Place]:
    """The places a carnet's cover lists: those accepting ``programme_id`` (open or not
    yet), in the prescriber's commune first, then its department, then the rest of the
    programme's zones, each by postcode and name."""
    dept = places.department(commune_insee)

    def rank(p: Place) -> tuple[int, str, str]:
        if commune_insee and p.commune_insee == commune_insee:
            return 0, p.postcode or "", p.name
        same_dept = dept is not None and places.department(p.commune_insee) == dept
        return (1 if same_dept else 2), p.postcode or "", p.name

    accepting = [p for p in labelled_places(session, today, programme_id) if p.programmes]
    return sorted(accepting, key=rank)[:limit]


def open_programmes(session: Session, today: date) -> list[tuple[int, str]]:
    return [(i, n) for i, n, *_ in _programmes(session, today)]
