"""A programme's other costs, and what the programme cost per beneficiary and per
completed carnet once they are counted (not only the vouchers' face value).

Rules kept:

- Costs are entered per programme by an operator (command line), in integer cents, with a
  kind (``impression``, ``frais_operateur``, ``animation``, ``evaluation``, ``autre``) and a
  label; rows are never changed: a mistake is undone by a ``correction`` line (negative
  allowed only there), and the programme's total of other costs can never go below zero.
- Every line is audited (``programme.cost``). Bad input is refused and changes nothing.
- The figures divide by **published** counts of people (beneficiaries, completed carnets of
  the protected report's ``ensemble`` row); when one is masked the cost per head is not
  published either.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voucher.db.models import Programme, ProgrammeCost
from voucher.domain import impact as dom
from voucher.domain.calendar import utcnow
from voucher.domain.errors import DomainError, register
from voucher.domain.suppression import TOTAL
from voucher.services import audit
from voucher.services.context import Actor
from voucher.services.impact import counts
from voucher.services.impact.protect import Report

KINDS: dict[str, str] = {
    "impression": "Impression et acheminement des carnets",
    "frais_operateur": "Frais de l'opérateur (gestion, plateforme)",
    "animation": "Animation du réseau, formation des prescripteurs",
    "evaluation": "Évaluation",
    "autre": "Autre",
    "correction": "Correction d'une ligne précédente",
}
MAX_CENTS = 10**12

register(
    "invalid_cost_kind",
    "Nature de coût inconnue : impression, frais_operateur, animation, evaluation, autre ou correction.",
)
register(
    "cost_below_zero",
    "Cette correction rendrait négatif le total des autres coûts du dispositif.",
)


def add(
    session: Session,
    actor: Actor,
    *,
    programme_id: int,
    kind: str,
    amount_cents: int,
    label: str,
) -> ProgrammeCost:
    if kind not in KINDS:
        raise DomainError("invalid_cost_kind", kind=kind)
    if (
        not isinstance(amount_cents, int)
        or amount_cents == 0
        or abs(amount_cents) > MAX_CENTS
        or (amount_cents < 0 and kind != "correction")
    ):
        raise DomainError("invalid_amount", amount_cents=amount_cents)
    label = (label or "").strip()
    if not 3 <= len(label) <= 200:
        raise DomainError("invalid_value", field="label")
    if session.get(Programme, programme_id) is None:
        raise DomainError("not_found")
    if amount_cents < 0 and other_costs(session, frozenset({programme_id})) + amount_cents < 0:
        raise DomainError("cost_below_zero")
    row = ProgrammeCost(
        programme_id=programme_id,
        kind=kind,
        label=label,
        amount_cents=amount_cents,
        recorded_at=utcnow(),
        recorded_by=actor.label,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "programme.cost",
        ("programme", programme_id),
        kind=kind,
        amount_cents=amount_cents,
        cost_id=row.id,
    )
    return row


def other_costs(session: Session, programmes: frozenset[int] | None) -> int:
    q = select(func.coalesce(func.sum(ProgrammeCost.amount_cents), 0))
    if programmes is not None:
        q = q.where(ProgrammeCost.programme_id.in_(sorted(programmes)))
    return int(session.scalar(q) or 0)


def lines(session: Session, programmes: frozenset[int] | None) -> list[ProgrammeCost]:
    q = select(ProgrammeCost).order_by(ProgrammeCost.programme_id, ProgrammeCost.id)
    if programmes is not None:
        q = q.where(ProgrammeCost.programme_id.in_(sorted(programmes)))
    return list(session.scalars(q))


@dataclass(frozen=True)
class CostFigures:
    face_value_cents: int | None
    other_cents: int
    total_cents: int | None
    beneficiaries: int | None
    completed: int | None
    per_beneficiary_cents: int | None
    per_completed_cents: int | None


def _div(total: int | None, by: int | None) -> int | None:
    if total is None or not by:
        return None
    return (2 * total + by) // (2 * by)  # rounded to the nearest cent, halves up


def figures(session: Session, scope: counts.Scope, report: Report) -> CostFigures:
    """Face value redeemed plus other costs, per beneficiary and per completed carnet."""
    books = next(t for t in report.tables if t.dimension.family == dom.BOOKS)
    row = next((r for r in books.rows if r.code == TOTAL and r.zone == TOTAL), None)
    values = row.values if row is not None else {}
    face = values.get("valeur_encaissee_centimes")
    other = other_costs(session, scope.programmes)
    total = None if face is None else int(face) + other
    people = values.get("beneficiaires")
    done = values.get("carnets_termines")
    return CostFigures(
        None if face is None else int(face),
        other,
        total,
        None if people is None else int(people),
        None if done is None else int(done),
        _div(total, None if people is None else int(people)),
        _div(total, None if done is None else int(done)),
    )
