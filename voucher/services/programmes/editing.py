"""Editing a programme after its creation, within the rules of
:mod:`voucher.domain.workspace_rules` (what is locked, what may only grow once books are
issued). Every change is audited with the fields it touched; fraud thresholds are validated
by :func:`voucher.domain.fraud.validate` and audited as ``programme.fraud_thresholds``."""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import date
from typing import Any

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from voucher.db.models import (
    Batch,
    Organisation,
    Programme,
    ProgrammeFunder,
    ProgrammeLabel,
    ProgrammeStructure,
    ProgrammeZone,
)
from voucher.domain import fraud
from voucher.domain.errors import DomainError
from voucher.domain.states import ProgrammeStatus
from voucher.domain.workspace_rules import check_cancel_window, check_programme_change
from voucher.services import audit
from voucher.services.context import Actor
from voucher.services.programmes import programmes
from voucher.services.programmes.programmes import HANDOUT_POLICIES


@dataclass
class ProgrammeChanges:
    """``None`` leaves a field as it is."""

    name: str | None = None
    face_value_cents: int | None = None
    vouchers_per_book: int | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    grace_days: int | None = None
    cancel_window_minutes: int | None = None
    handout_policy: str | None = None
    funders: list[tuple[int, int]] | None = None


@dataclass(frozen=True)
class Acceptance:
    zone_ids: list[int]
    structure_ids: list[int]
    label_names: list[str]


def has_batches(session: Session, programme_id: int) -> bool:
    return bool(
        session.scalar(
            select(func.count()).select_from(Batch).where(Batch.programme_id == programme_id)
        )
    )


def _open_programme(session: Session, programme_id: int) -> Programme:
    programme = session.get(Programme, programme_id)
    if programme is None:
        raise DomainError("not_found", object="programme")
    if programme.status != ProgrammeStatus.OPEN:
        raise DomainError("programme_closed")
    return programme


def _check_values(programme: Programme, changes: ProgrammeChanges) -> None:
    if changes.name is not None and not changes.name.strip():
        raise DomainError("invalid_value", field="name")
    if changes.face_value_cents is not None and changes.face_value_cents <= 0:
        raise DomainError("invalid_amount")
    if changes.vouchers_per_book is not None and not 1 <= changes.vouchers_per_book <= 50:
        raise DomainError("invalid_value", field="vouchers_per_book")
    start = changes.valid_from or programme.valid_from
    end = changes.valid_until or programme.valid_until
    if end < start or (changes.grace_days is not None and changes.grace_days < 0):
        raise DomainError("invalid_dates")
    if changes.cancel_window_minutes is not None:
        check_cancel_window(changes.cancel_window_minutes)
    if changes.handout_policy is not None and changes.handout_policy not in HANDOUT_POLICIES:
        raise DomainError("invalid_value", field="handout_policy")


def _check_funders(session: Session, funders: list[tuple[int, int]]) -> None:
    if not funders or sum(bp for _, bp in funders) != 10_000 or any(bp <= 0 for _, bp in funders):
        raise DomainError("invalid_shares")
    ids = [f for f, _ in funders]
    found = session.scalars(
        select(Organisation.id).where(Organisation.id.in_(ids), Organisation.is_funder)
    ).all()
    if len(set(found)) != len(set(ids)) or len(set(ids)) != len(ids):
        raise DomainError("invalid_value", field="funders")


def update_programme(
    session: Session, actor: Actor, programme_id: int, changes: ProgrammeChanges
) -> Programme:
    programme = _open_programme(session, programme_id)
    issued = has_batches(session, programme_id)
    _check_values(programme, changes)
    current_funders = programmes.programme_funders(session, programme_id)
    touched: dict[str, Any] = {}
    for f in fields(changes):
        new = getattr(changes, f.name)
        if new is None:
            continue
        old = current_funders if f.name == "funders" else getattr(programme, f.name)
        if f.name == "funders":
            new = sorted(new)
        check_programme_change(f.name, old, new, issued=issued)
        if old != new:
            touched[f.name] = new
    if "funders" in touched:
        _check_funders(session, touched["funders"])
        session.execute(delete(ProgrammeFunder).where(ProgrammeFunder.programme_id == programme_id))
        session.execute(
            insert(ProgrammeFunder),
            [
                {"programme_id": programme_id, "funder_id": f, "share_bp": bp}
                for f, bp in touched["funders"]
            ],
        )
        programme.lead_funder_id = (
            changes.funders[0][0] if changes.funders else programme.lead_funder_id
        )
    for name, value in touched.items():
        if name != "funders":
            setattr(programme, name, value.strip() if isinstance(value, str) else value)
    session.flush()
    if touched:
        audit.record(
            session,
            actor,
            "programme.update",
            ("programme", programme_id),
            changed=sorted(touched),
            **{k: _plain(v) for k, v in touched.items()},
        )
    return programme


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def acceptance(session: Session, programme_id: int) -> Acceptance:
    return Acceptance(
        zone_ids=list(
            session.scalars(
                select(ProgrammeZone.zone_id).where(ProgrammeZone.programme_id == programme_id)
            )
        ),
        structure_ids=list(
            session.scalars(
                select(ProgrammeStructure.structure_id).where(
                    ProgrammeStructure.programme_id == programme_id
                )
            )
        ),
        label_names=list(
            session.scalars(
                select(ProgrammeLabel.label_name).where(ProgrammeLabel.programme_id == programme_id)
            )
        ),
    )


def set_acceptance(session: Session, actor: Actor, programme_id: int, wanted: Acceptance) -> None:
    """Zones, structures and labels accepting the programme (empty list: no restriction)."""
    _open_programme(session, programme_id)
    structures = set(wanted.structure_ids)
    if structures:
        ok = set(
            session.scalars(
                select(Organisation.id).where(
                    Organisation.id.in_(sorted(structures)), Organisation.is_structure
                )
            )
        )
        if ok != structures:
            raise DomainError("invalid_value", field="structures")
    labels = sorted({n.strip() for n in wanted.label_names if n.strip()})
    programmes.write_acceptance(session, programme_id, wanted.zone_ids, sorted(structures), labels)
    session.flush()
    audit.record(
        session,
        actor,
        "programme.acceptance",
        ("programme", programme_id),
        zones=sorted(set(wanted.zone_ids)),
        structures=sorted(structures),
        labels=labels,
    )


def set_fraud_thresholds(
    session: Session, actor: Actor, programme_id: int, raw: Any
) -> dict[str, Any]:
    """Replace an open programme's fraud thresholds after validation; returns what was stored."""
    programme = _open_programme(session, programme_id)
    clean = fraud.validate(raw)
    before = dict(programme.fraud_thresholds or {})
    programme.fraud_thresholds = clean
    session.flush()
    audit.record(
        session,
        actor,
        "programme.fraud_thresholds",
        ("programme", programme_id),
        before=before,
        after=clean,
    )
    return clean
