"""Organisations (funders, prescribers, structures, the operator) and their labels.

Rules kept: a name is required; a SIRET is checked and unique; a structure needs a SIRET, a
structured address and a commune (its density class is copied now, with its year); a
label's validity ends on or after it starts. Creations are audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from voucher.db.models import (
    Label,
    Organisation,
)
from voucher.domain import identity
from voucher.domain.calendar import utcnow
from voucher.domain.errors import DomainError
from voucher.domain.vocab import DENSITY_TO_KIND
from voucher.services import audit
from voucher.services.context import Actor


@dataclass
class Address:
    street_number: str
    street: str
    postcode: str
    town: str
    country: str = "FR"

    def check(self) -> None:
        if not all(x and x.strip() for x in (self.street, self.postcode, self.town, self.country)):
            raise DomainError("invalid_address")


def get_organisation(session: Session, org_id: int) -> Organisation:
    org = session.get(Organisation, org_id)
    if org is None:
        raise DomainError("not_found", object="organisation")
    return org


def create_organisation(
    session: Session,
    actor: Actor,
    *,
    name: str,
    siret: str | None,
    address: Address | None = None,
    commune_insee: str | None = None,
    density_class: int | None = None,
    density_year: int | None = None,
    roles: set[str],
    email: str | None = None,
    external_id: str | None = None,
) -> Organisation:
    """``roles`` among funder, prescriber, structure, operator. A structure needs a SIRET,
    a structured address and a commune (its density class is copied now, with its year)."""
    if not name or not name.strip():
        raise DomainError("invalid_value", field="name")
    clean_siret = identity.siret(siret) if siret else None
    if "structure" in roles and not clean_siret:
        raise DomainError("invalid_siret")
    if clean_siret and session.scalar(
        select(Organisation.id).where(Organisation.siret == clean_siret)
    ):
        raise DomainError("duplicate", field="siret")
    if "structure" in roles:
        if address is None:
            raise DomainError("invalid_address")
        address.check()
    commune = identity.insee_commune(commune_insee) if commune_insee else None
    org = Organisation(
        name=name.strip(),
        siret=clean_siret,
        is_funder="funder" in roles,
        is_prescriber="prescriber" in roles,
        is_structure="structure" in roles,
        is_operator="operator" in roles,
        commune_insee=commune,
        density_class=density_class,
        density_year=density_year,
        zone_kind=DENSITY_TO_KIND.get(density_class or 0),
        email=email,
        external_id=external_id,
        created_at=utcnow(),
        **(address.__dict__ if address else {}),
    )
    session.add(org)
    session.flush()
    audit.record(
        session,
        actor,
        "organisation.create",
        ("organisation", org.id),
        name=org.name,
        roles=sorted(roles),
    )
    return org


def add_label(
    session: Session,
    actor: Actor,
    organisation_id: int,
    name: str,
    valid_from: date,
    valid_until: date | None = None,
) -> Label:
    if actor.organisation_id is not None and actor.organisation_id == organisation_id:
        # a label lets a place scan and be paid: it is never the organisation's own say
        raise DomainError("own_label")
    if valid_until is not None and valid_until < valid_from:
        raise DomainError("invalid_dates")
    label = Label(
        organisation_id=organisation_id, name=name, valid_from=valid_from, valid_until=valid_until
    )
    session.add(label)
    session.flush()
    audit.record(
        session,
        actor,
        "label.add",
        ("organisation", organisation_id),
        label=name,
        valid_from=valid_from.isoformat(),
        valid_until=valid_until.isoformat() if valid_until else None,
    )
    return label
