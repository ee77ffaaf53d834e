"""Pilot zones: named lists of communes (INSEE codes), rural or urban, that a programme may
accept. A commune listed twice in one zone is kept once; every zone created is audited."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session

from voucher.db.models import PilotZone, PilotZoneCommune
from voucher.domain import identity
from voucher.domain.errors import DomainError
from voucher.services import audit
from voucher.services.context import Actor

ZONE_KINDS = ("rural", "urban")


def create_zone(
    session: Session,
    actor: Actor,
    *,
    name: str,
    kind: str,
    communes: Sequence[tuple[str, str | None, int | None]],
    kind_source: str = "manual",
    cog_year: int | None = None,
) -> PilotZone:
    """``communes``: (INSEE code, name, density class) triples."""
    if kind not in ZONE_KINDS:
        raise DomainError("invalid_value", field="kind")
    zone = PilotZone(name=name, kind=kind, kind_source=kind_source, cog_year=cog_year)
    session.add(zone)
    session.flush()
    seen = set()
    for code, commune_name, density in communes:
        clean = identity.insee_commune(code)
        if clean in seen:
            continue
        seen.add(clean)
        session.add(
            PilotZoneCommune(
                zone_id=zone.id, insee_code=clean, name=commune_name, density_class=density
            )
        )
    session.flush()
    audit.record(
        session,
        actor,
        "pilot_zone.create",
        ("pilot_zone", zone.id),
        name=name,
        kind=kind,
        communes=len(seen),
    )
    return zone
