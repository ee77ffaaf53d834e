"""Read-side queries for the administration pages. An administrator of an operator
organisation sees everyone; an administrator of any other organisation sees only that
organisation's people, keys and labels."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from voucher.db.models import ApiKey, Label, Organisation, RoleGrant, User


@dataclass(frozen=True)
class AdminScope:
    everything: bool
    org_id: int

    def allows(self, org_id: int | None) -> bool:
        return self.everything or org_id == self.org_id


def scope(session: Session, org_id: int) -> AdminScope:
    org = session.get(Organisation, org_id)
    return AdminScope(bool(org is not None and org.is_operator), org_id)


def organisations(session: Session, sc: AdminScope) -> list[Organisation]:
    stmt = select(Organisation).order_by(Organisation.name)
    if not sc.everything:
        stmt = stmt.where(Organisation.id == sc.org_id)
    return list(session.scalars(stmt))


def users(session: Session, sc: AdminScope) -> list[tuple[User, list[tuple[int, str, str, int]]]]:
    """Each user with its grants as (grant id, organisation name, role, organisation id)."""
    grants = session.execute(
        select(
            RoleGrant.id,
            RoleGrant.user_id,
            Organisation.name,
            RoleGrant.role,
            RoleGrant.organisation_id,
        )
        .join(Organisation, Organisation.id == RoleGrant.organisation_id)
        .order_by(RoleGrant.id)
    ).all()
    by_user: dict[int, list[tuple[int, str, str, int]]] = {}
    for gid, uid, org, role, oid in grants:
        by_user.setdefault(int(uid), []).append((int(gid), str(org), str(role), int(oid)))
    out = []
    for user in session.scalars(select(User).order_by(User.name)):
        mine = by_user.get(user.id, [])
        if sc.everything or any(oid == sc.org_id for *_, oid in mine):
            out.append((user, mine if sc.everything else [g for g in mine if g[3] == sc.org_id]))
    return out


def user_visible(session: Session, sc: AdminScope, user_id: int) -> User | None:
    user = session.get(User, user_id)
    if user is None:
        return None
    if sc.everything:
        return user
    own = session.scalar(
        select(RoleGrant.id).where(
            RoleGrant.user_id == user_id, RoleGrant.organisation_id == sc.org_id
        )
    )
    return user if own else None


def api_keys(session: Session, sc: AdminScope) -> list[tuple[ApiKey, str]]:
    stmt = (
        select(ApiKey, Organisation.name)
        .join(Organisation, Organisation.id == ApiKey.organisation_id)
        .order_by(ApiKey.id.desc())
    )
    if not sc.everything:
        stmt = stmt.where(ApiKey.organisation_id == sc.org_id)
    return [(k, str(n)) for k, n in session.execute(stmt).all()]


def labels(session: Session, org_id: int) -> list[Label]:
    return list(
        session.scalars(
            select(Label).where(Label.organisation_id == org_id).order_by(Label.valid_from)
        )
    )
