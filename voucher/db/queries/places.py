"""Reads about places: labels due for a renewal reminder, and the public directory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session, aliased

from voucher.db.models import Label, Organisation, Programme, Statement, StatementProgramme


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


@dataclass(frozen=True)
class Reimbursed:
    number: str
    period: str
    paid_at: datetime
    total_cents: int
    programmes: list[tuple[str, int]]


def reimbursed(
    session: Session, structure_id: int, start: datetime, end: datetime
) -> list[Reimbursed]:
    """Statements of this structure paid in [start, end[ (their transfer settled), with
    their amount per programme."""
    rows = session.scalars(
        select(Statement)
        .where(
            Statement.structure_id == structure_id,
            Statement.status == "paid",
            Statement.paid_at >= start,
            Statement.paid_at < end,
        )
        .order_by(Statement.paid_at, Statement.number)
    ).all()
    split: dict[int, list[tuple[str, int]]] = {}
    if rows:
        for sid, name, cents in session.execute(
            select(StatementProgramme.statement_id, Programme.name, StatementProgramme.total_cents)
            .join(Programme, Programme.id == StatementProgramme.programme_id)
            .where(StatementProgramme.statement_id.in_([r.id for r in rows]))
            .order_by(Programme.name)
        ):
            split.setdefault(int(sid), []).append((str(name), int(cents)))
    return [
        Reimbursed(r.number, r.period, r.paid_at, r.total_cents, split.get(r.id, []))
        for r in rows
        if r.paid_at is not None
    ]
