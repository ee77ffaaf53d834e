"""Partners of a programme, as the funder's desk manages them: organisations imported
from the national file of *lieux de médiation numérique*.

Rules kept: an import is all or nothing (the file is checked whole by
:mod:`voucher.domain.lieux` before anything is written); a place whose SIRET is already
known is skipped and reported, never overwritten; the density class of a place's commune
is copied from a pilot zone that lists the commune (with the grid's year), else left
empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from voucher.db.models import (
    Organisation,
    PilotZone,
    PilotZoneCommune,
)
from voucher.domain import identity, lieux
from voucher.domain.errors import DomainError
from voucher.services import audit
from voucher.services.context import Actor
from voucher.services.organisations import organisations

IMPORT_ROLES = ("structure", "prescriber")


@dataclass
class ImportReport:
    created: list[tuple[int, str]] = field(default_factory=list)
    skipped: list[tuple[int, str, str]] = field(default_factory=list)


def _density(session: Session) -> dict[str, tuple[int, int | None]]:
    rows = session.execute(
        select(PilotZoneCommune.insee_code, PilotZoneCommune.density_class, PilotZone.cog_year)
        .join(PilotZone, PilotZone.id == PilotZoneCommune.zone_id)
        .where(PilotZoneCommune.density_class.is_not(None))
    ).all()
    return {str(code): (int(dens or 0), year) for code, dens, year in rows}


def density_of(session: Session, insee: str) -> tuple[int, int | None] | None:
    """The 3-level density class a pilot zone records for this commune, with the year of
    the grid it came from (the latest grid first), if any."""
    try:
        code = identity.insee_commune(insee)
    except DomainError:
        return None  # the hand-out itself refuses the bad code with its own message
    found = session.execute(
        select(PilotZoneCommune.density_class, PilotZoneCommune.density_year)
        .where(PilotZoneCommune.insee_code == code, PilotZoneCommune.density_class.is_not(None))
        .order_by(PilotZoneCommune.density_year.desc().nulls_last())
        .limit(1)
    ).first()
    return None if found is None or found[0] is None else (int(found[0]), found[1])


def import_lieux(
    session: Session, actor: Actor, parsed: lieux.ParsedFile, roles: set[str]
) -> ImportReport:
    if not roles or not roles <= set(IMPORT_ROLES):
        raise DomainError("invalid_value", field="roles")
    report = ImportReport(skipped=list(parsed.skipped))
    known = set(session.scalars(select(Organisation.siret).where(Organisation.siret.is_not(None))))
    density = _density(session)
    for lieu in parsed.lieux:
        if lieu.siret in known:
            report.skipped.append((lieu.line, lieu.name, "déjà enregistré (même SIRET)"))
            continue
        dens, year = density.get(lieu.commune_insee, (None, None))
        org = organisations.create_organisation(
            session,
            actor,
            name=lieu.name,
            siret=lieu.siret,
            commune_insee=lieu.commune_insee,
            address=organisations.Address(
                street_number=lieu.street_number,
                street=lieu.street,
                postcode=lieu.postcode,
                town=lieu.town,
            ),
            density_class=dens,
            density_year=year,
            roles=roles,
            external_id=lieu.external_id,
        )
        org.services = lieu.services or None
        org.latitude, org.longitude = lieu.latitude, lieu.longitude
        known.add(lieu.siret)
        report.created.append((org.id, org.name))
    session.flush()
    audit.record(
        session,
        actor,
        "organisation.import",
        None,
        created=len(report.created),
        skipped=len(report.skipped),
        roles=sorted(roles),
    )
    return report
