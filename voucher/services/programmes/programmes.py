"""Creating a programme: face value, book size, validity and grace, funders and their
shares, and where its vouchers are accepted.

Rules kept: the face value is a positive number of cents; a book holds 1 to 50 vouchers;
validity ends on or after it starts and grace is not negative; the funders' shares (basis
points) are positive and sum to 10 000, every funder being a funder organisation; the first
funder leads. A new programme is ``open``; its creation is audited.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from voucher.db import dialect
from voucher.db.models import (
    Organisation,
    Programme,
    ProgrammeFunder,
    ProgrammeLabel,
    ProgrammeStructure,
    ProgrammeZone,
)
from voucher.domain.calendar import utcnow
from voucher.domain.errors import DomainError
from voucher.domain.states import ProgrammeStatus
from voucher.services import audit
from voucher.services.context import Actor

#: what to do when a voucher never handed out is scanned
HANDOUT_POLICIES = ("flag", "hold", "refuse")


def get_programme(session: Session, programme_id: int, *, lock: bool = False) -> Programme:
    stmt = select(Programme).where(Programme.id == programme_id)
    programme = session.scalars(dialect.for_update(stmt, session) if lock else stmt).first()
    if programme is None:
        raise DomainError("not_found", object="programme")
    return programme


@dataclass
class ProgrammeSpec:
    name: str
    face_value_cents: int
    vouchers_per_book: int
    valid_from: date
    valid_until: date
    funders: list[tuple[int, int]]  # (funder organisation id, share in basis points)
    grace_days: int = 31
    cancel_window_minutes: int = 15
    handout_policy: str = "flag"
    zone_ids: list[int] = field(default_factory=list)
    structure_ids: list[int] = field(default_factory=list)
    label_names: list[str] = field(default_factory=list)
    fraud_thresholds: dict[str, Any] = field(default_factory=dict)


def create_programme(session: Session, actor: Actor, spec: ProgrammeSpec) -> Programme:
    if not isinstance(spec.face_value_cents, int) or spec.face_value_cents <= 0:
        raise DomainError("invalid_amount")
    if not 1 <= spec.vouchers_per_book <= 50:
        raise DomainError("invalid_value", field="vouchers_per_book")
    if spec.valid_until < spec.valid_from or spec.grace_days < 0:
        raise DomainError("invalid_dates")
    if (
        not spec.funders
        or sum(bp for _, bp in spec.funders) != 10_000
        or any(bp <= 0 for _, bp in spec.funders)
    ):
        raise DomainError("invalid_shares")
    if spec.handout_policy not in HANDOUT_POLICIES:
        raise DomainError("invalid_value", field="handout_policy")
    funder_ids = [f for f, _ in spec.funders]
    ok = session.scalars(
        select(Organisation.id).where(Organisation.id.in_(funder_ids), Organisation.is_funder)
    ).all()
    if len(set(ok)) != len(set(funder_ids)):
        raise DomainError("invalid_value", field="funders")
    programme = Programme(
        name=spec.name,
        lead_funder_id=spec.funders[0][0],
        face_value_cents=spec.face_value_cents,
        vouchers_per_book=spec.vouchers_per_book,
        valid_from=spec.valid_from,
        valid_until=spec.valid_until,
        grace_days=spec.grace_days,
        cancel_window_minutes=spec.cancel_window_minutes,
        handout_policy=spec.handout_policy,
        fraud_thresholds=spec.fraud_thresholds,
        status=ProgrammeStatus.OPEN,
        created_at=utcnow(),
    )
    session.add(programme)
    session.flush()
    session.execute(
        insert(ProgrammeFunder),
        [{"programme_id": programme.id, "funder_id": f, "share_bp": bp} for f, bp in spec.funders],
    )
    write_acceptance(session, programme.id, spec.zone_ids, spec.structure_ids, spec.label_names)
    audit.record(
        session,
        actor,
        "programme.create",
        ("programme", programme.id),
        name=spec.name,
        funders=spec.funders,
        face_value_cents=spec.face_value_cents,
    )
    return programme


def write_acceptance(
    session: Session,
    programme_id: int,
    zone_ids: list[int],
    structure_ids: list[int],
    label_names: list[str],
) -> None:
    """Replace the zones, structures and labels accepting the programme (checked and
    audited by the caller)."""
    for model in (ProgrammeZone, ProgrammeStructure, ProgrammeLabel):
        session.query(model).filter(model.programme_id == programme_id).delete()
    if zone_ids:
        session.execute(
            insert(ProgrammeZone),
            [{"programme_id": programme_id, "zone_id": z} for z in sorted(set(zone_ids))],
        )
    if structure_ids:
        session.execute(
            insert(ProgrammeStructure),
            [{"programme_id": programme_id, "structure_id": s} for s in sorted(set(structure_ids))],
        )
    if label_names:
        session.execute(
            insert(ProgrammeLabel),
            [{"programme_id": programme_id, "label_name": n} for n in sorted(set(label_names))],
        )


def programme_funders(session: Session, programme_id: int) -> list[tuple[int, int]]:
    return list(
        session.execute(
            select(ProgrammeFunder.funder_id, ProgrammeFunder.share_bp)
            .where(ProgrammeFunder.programme_id == programme_id)
            .order_by(ProgrammeFunder.funder_id)
        )
    )
