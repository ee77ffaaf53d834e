"""What a key's device needs to know about itself (``GET /api/v1/me``): its organisation,
and for a place's key (``reception``) the programmes it may accept today.

A programme is accepted at a place when the place is labelled today, and the programme is
open, within its dates (grace days included), and lists the place (or lists none), one of
its valid labels (or none) and its commune's pilot zone (or none): the same conditions as
:func:`voucher.domain.acceptance.refusal` applies at each scan.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from voucher.db.models import (
    Label,
    Organisation,
    PilotZoneCommune,
    Programme,
    ProgrammeLabel,
    ProgrammeStructure,
    ProgrammeZone,
)
from voucher.domain.calendar import last_valid_day


def accepted_programmes(session: Session, structure_id: int, today: date) -> list[Programme]:
    place = session.get(Organisation, structure_id)
    if place is None or not place.is_structure:
        return []
    valid = and_(
        Label.organisation_id == structure_id,
        Label.valid_from <= today,
        or_(Label.valid_until.is_(None), Label.valid_until >= today),
    )
    if not session.scalar(select(exists().where(valid))):
        return []
    listed = or_(
        ~exists().where(ProgrammeStructure.programme_id == Programme.id),
        exists().where(
            ProgrammeStructure.programme_id == Programme.id,
            ProgrammeStructure.structure_id == structure_id,
        ),
    )
    labelled = or_(
        ~exists().where(ProgrammeLabel.programme_id == Programme.id),
        exists(
            select(1)
            .select_from(ProgrammeLabel)
            .join(Label, Label.name == ProgrammeLabel.label_name)
            .where(ProgrammeLabel.programme_id == Programme.id, valid)
        ),
    )
    zoned = or_(
        ~exists().where(ProgrammeZone.programme_id == Programme.id),
        exists(
            select(1)
            .select_from(ProgrammeZone)
            .join(PilotZoneCommune, PilotZoneCommune.zone_id == ProgrammeZone.zone_id)
            .where(
                ProgrammeZone.programme_id == Programme.id,
                PilotZoneCommune.insee_code == place.commune_insee,
            )
        ),
    )
    found = session.scalars(
        select(Programme)
        .where(Programme.status == "open", Programme.valid_from <= today, listed, labelled, zoned)
        .order_by(Programme.id)
    )
    return [p for p in found if last_valid_day(p.valid_until, p.grace_days) >= today]
