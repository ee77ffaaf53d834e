"""Reads about places: labels due for a renewal reminder, and the public directory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from voucher.db.models import Label, Organisation


@dataclass(frozen=True)
class DueLabel:
    organisation_id: int
    name: str
    email: str | None
    label: str
    valid_until: date


def labels_due(session: Session, today: date, days: int) -> list[DueLabel]:
    """Labels whose last day falls within ``days`` days from ``today`` (inclusive) and that
    no later label of the same name takes over (a renewed label is not reminded)."""
    later = aliased(Label)
    takes_over = exists().where(
        later.organisation_id == Label.organisation_id,
        later.name == Label.name,
        later.id != Label.id,
        or_(later.valid_until.is_(None), later.valid_until > Label.valid_until),
    )
    rows = session.execute(
        select(
            Organisation.id, Organisation.name, Organisation.email, Label.name, Label.valid_until
        )
        .join(Label, Label.organisation_id == Organisation.id)
        .where(
            and_(
                Label.valid_until.is_not(None),
                Label.valid_until >= today,
                Label.valid_until <= today + timedelta(days=days),
                ~takes_over,
            )
        )
        .order_by(Label.valid_until, Organisation.name)
    ).all()
    return [DueLabel(int(i), str(n), e, str(lbl), u) for i, n, e, lbl, u in rows if u is not None]
