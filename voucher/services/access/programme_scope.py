"""On which programmes a funder or finance person acts: the holds they review, the alerts
and statements they read, the finance operations they run.

Rules kept: only ``funder`` and ``finance`` staff review. Staff of a funder organisation
(either role) see the programmes that organisation funds (lead or co-funder). Finance
staff of an operator organisation see every programme, and alerts that belong to no
programme (a guessing lock). Anyone else sees nothing; objects outside the scope are
answered as "not found", never as "forbidden with details".

On the web the acting grant is the one chosen by ``role_required`` (the actor carries its
organisation and role); from the command line every funder/finance grant of the user counts.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import false, select, true
from sqlalchemy.orm import Session

from voucher.db.models import Organisation, Programme, ProgrammeFunder, RoleGrant
from voucher.services.context import Actor

REVIEW_ROLES = ("funder", "finance")


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    programme_ids: frozenset[int] = frozenset()

    def allows(self, programme_id: int | None) -> bool:
        if self.everything:
            return True
        return programme_id is not None and programme_id in self.programme_ids

    def where(self, column: Any) -> Any:
        """A SQL condition on a programme id column (NULL only for the whole scope)."""
        if self.everything:
            return true()
        if not self.programme_ids:
            return false()
        return column.in_(sorted(self.programme_ids))

    @property
    def empty(self) -> bool:
        return not self.everything and not self.programme_ids


def _grants(session: Session, actor: Actor) -> list[tuple[int, str]]:
    if actor.organisation_id is not None and actor.role in REVIEW_ROLES:
        return [(actor.organisation_id, actor.role)]
    if actor.user_id is None:
        return []
    rows = session.execute(
        select(RoleGrant.organisation_id, RoleGrant.role).where(
            RoleGrant.user_id == actor.user_id, RoleGrant.role.in_(REVIEW_ROLES)
        )
    ).all()
    return [(int(o), str(r)) for o, r in rows]


def scope_for(session: Session, actor: Actor) -> Scope:
    grants = _grants(session, actor)
    if not grants:
        return Scope()
    orgs = {o for o, _ in grants}
    operators = set(
        session.scalars(
            select(Organisation.id).where(
                Organisation.id.in_(sorted(orgs)), Organisation.is_operator.is_(True)
            )
        )
    )
    if any(role == "finance" and org in operators for org, role in grants):
        return Scope(everything=True)
    funded = set(
        session.scalars(
            select(ProgrammeFunder.programme_id).where(ProgrammeFunder.funder_id.in_(sorted(orgs)))
        )
    )
    funded |= set(
        session.scalars(select(Programme.id).where(Programme.lead_funder_id.in_(sorted(orgs))))
    )
    return Scope(programme_ids=frozenset(int(p) for p in funded))
