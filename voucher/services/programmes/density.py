"""Copy INSEE's density grid onto the communes of the pilot zones.

Rules kept:

- Each commune of a pilot zone found in the grid gets its level in that grid, the grid's
  size and year, and its 3-level class (:mod:`voucher.domain.density` maps every grid
  explicitly). A commune already carrying a class from a *later* grid is left alone: an
  older file never rewrites a newer record. Communes the grid does not list are reported.
- A zone whose communes all have a class becomes ``density_grid`` sourced; its kind is
  set by hand and is not changed here (the report says when the grid disagrees).
- The whole load is audited (``density_grid.apply``: grid, year, counts).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from voucher.db.models import PilotZone, PilotZoneCommune
from voucher.domain.density import Grid
from voucher.services import audit
from voucher.services.context import Actor


@dataclass
class Applied:
    updated: int = 0
    kept_newer: int = 0
    missing: list[str] = field(default_factory=list)
    #: zones whose hand-set kind is not what the grid says of most of their communes
    disagreeing: list[str] = field(default_factory=list)


def apply_grid(session: Session, actor: Actor, grid: Grid) -> Applied:
    out = Applied()
    rows = session.scalars(select(PilotZoneCommune).order_by(PilotZoneCommune.insee_code))
    kinds: dict[int, list[str]] = {}
    for row in rows:
        found = grid.of(row.insee_code)
        if found is None:
            out.missing.append(row.insee_code)
            continue
        if row.density_year is not None and row.density_year > grid.year:
            out.kept_newer += 1
            continue
        row.density_class, row.density_level = found.three_levels, found.level
        row.density_levels, row.density_year = found.levels, found.year
        kinds.setdefault(row.zone_id, []).append(found.kind)
        out.updated += 1
    for zone in session.scalars(select(PilotZone).where(PilotZone.id.in_(sorted(kinds)))):
        counted = kinds[zone.id]
        if max(set(counted), key=counted.count) != zone.kind:
            out.disagreeing.append(zone.name)
    session.flush()
    audit.record(
        session,
        actor,
        "density_grid.apply",
        None,
        levels=grid.levels,
        year=grid.year,
        updated=out.updated,
        kept_newer=out.kept_newer,
        missing=len(out.missing),
    )
    return out
