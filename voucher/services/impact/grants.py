"""Who may draw a row-level research extract, and of which programmes.

Rules kept:

- A grant is given by an operator (command line), with its reason (the evaluation
  agreement) and an end date, and only to a user who holds the ``evaluator`` role
  (``research_not_evaluator`` otherwise). Grants and revocations are audited.
- An extract needs the evaluator role and an active grant. The programmes it covers are
  those of the user's active grants (a grant without programme covers every programme),
  narrowed by the impact scope and by the programme asked for: leaving the programme out
  of the form never widens what the grants allow.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voucher.db.models import Programme, ResearchGrant, RoleGrant, User
from voucher.domain.calendar import paris_date, utcnow
from voucher.domain.errors import DomainError, register
from voucher.services import audit
from voucher.services.context import Actor
from voucher.services.impact.counts import Scope

register(
    "research_not_granted",
    "Extrait de recherche refusé : il faut le rôle évaluateur et une "
    "autorisation d'extrait en cours de validité pour ce dispositif.",
)
register(
    "invalid_grant",
    "Autorisation incomplète : indiquez un motif (la convention d'évaluation) "
    "et une date de fin à venir.",
)
register(
    "research_not_evaluator",
    "Autorisation refusée : seul un utilisateur qui a le rôle évaluateur peut recevoir "
    "une autorisation d'extrait de recherche.",
)


def is_evaluator(session: Session, user_id: int) -> bool:
    return bool(
        session.scalar(
            select(func.count())
            .select_from(RoleGrant)
            .where(RoleGrant.user_id == user_id, RoleGrant.role == "evaluator")
        )
    )


def grant(
    session: Session,
    actor: Actor,
    *,
    email: str,
    programme_id: int | None,
    valid_until: date,
    reason: str,
) -> ResearchGrant:
    user = session.scalars(select(User).where(User.email == email.strip().lower())).first()
    if user is None:
        raise DomainError("not_found")
    if not is_evaluator(session, user.id):
        raise DomainError("research_not_evaluator")
    if len(reason.strip()) < 3 or valid_until < paris_date(utcnow()):
        raise DomainError("invalid_grant")
    if programme_id is not None and session.get(Programme, programme_id) is None:
        raise DomainError("not_found")
    row = ResearchGrant(
        user_id=user.id,
        programme_id=programme_id,
        reason=reason.strip()[:300],
        valid_until=valid_until,
        granted_at=utcnow(),
        granted_by=actor.label[:200],
        granted_by_user_id=actor.user_id,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "research.grant",
        ("research_grant", row.id),
        user_id=user.id,
        programme_id=programme_id,
        valid_until=valid_until.isoformat(),
        reason=row.reason,
    )
    return row


def revoke(session: Session, actor: Actor, grant_id: int) -> ResearchGrant:
    row = session.get(ResearchGrant, grant_id)
    if row is None:
        raise DomainError("not_found")
    if row.revoked_at is None:
        row.revoked_at, row.revoked_by = utcnow(), actor.label[:200]
        audit.record(
            session, actor, "research.revoke", ("research_grant", row.id), user_id=row.user_id
        )
    return row


def active_grants(session: Session, user_id: int | None) -> list[ResearchGrant]:
    """The grants in force for an evaluator (none for anyone else)."""
    if user_id is None or not is_evaluator(session, user_id):
        return []
    return list(
        session.scalars(
            select(ResearchGrant)
            .where(
                ResearchGrant.user_id == user_id,
                ResearchGrant.revoked_at.is_(None),
                ResearchGrant.valid_until >= paris_date(utcnow()),
            )
            .order_by(ResearchGrant.id)
        )
    )


def active_grant(
    session: Session, user_id: int | None, programme_id: int | None
) -> ResearchGrant | None:
    """A grant in force covering ``programme_id`` (None: any grant in force)."""
    for row in active_grants(session, user_id):
        if programme_id is None or row.programme_id in (None, programme_id):
            return row
    return None


def granted_scope(
    session: Session, user_id: int | None, scope: Scope, programme_id: int | None
) -> tuple[ResearchGrant, Scope]:
    """The grant used and the programmes an extract covers; refused when nothing is left."""
    found = active_grants(session, user_id)
    if programme_id is not None:
        found = [g for g in found if g.programme_id in (None, programme_id)]
    if not found:
        raise DomainError("research_not_granted")
    allowed: frozenset[int] | None = None
    if all(g.programme_id is not None for g in found):
        allowed = frozenset(int(g.programme_id) for g in found if g.programme_id is not None)
    if scope.programmes is not None:
        allowed = scope.programmes if allowed is None else allowed & scope.programmes
    if programme_id is not None:
        allowed = frozenset({programme_id}) & (allowed if allowed is not None else {programme_id})
    if allowed is not None and not allowed:
        raise DomainError("research_not_granted")
    return found[0], Scope(allowed)
