"""Who may print a batch: funder staff of its programme.

Rule kept: the actor holds the ``funder`` role for an organisation that funds the
programme (lead or co-funder). On the web the acting grant is the one chosen at sign-in
(the actor carries its organisation and role); from the command line (``--as EMAIL``) any
``funder`` grant of that active user counts. Anyone else is refused with ``forbidden``;
nothing is written.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from voucher.db.models import Batch, Programme, RoleGrant, User
from voucher.db.queries.printing import funder_ids
from voucher.domain.errors import DomainError
from voucher.domain.states import BatchStatus
from voucher.services.context import Actor
from voucher.services.issuance.batches import get_batch


def is_funder_staff(session: Session, actor: Actor, programme: Programme) -> bool:
    funders = funder_ids(session, programme)
    if actor.role is not None or actor.organisation_id is not None:
        return actor.role == "funder" and actor.organisation_id in funders
    if actor.user_id is None:
        return False
    granted = session.scalar(
        select(RoleGrant.id)
        .join(User, User.id == RoleGrant.user_id)
        .where(
            RoleGrant.user_id == actor.user_id,
            RoleGrant.role == "funder",
            RoleGrant.organisation_id.in_(sorted(funders)),
            User.active.is_(True),
        )
        .limit(1)
    )
    return granted is not None


def require_funder_staff(session: Session, actor: Actor, programme: Programme) -> None:
    if not is_funder_staff(session, actor, programme):
        raise DomainError("forbidden")


def load_batch(
    session: Session, actor: Actor, batch_id: int, *, lock: bool = False
) -> tuple[Batch, Programme]:
    """The batch and its programme, once the actor is known to be its funder staff."""
    batch = get_batch(session, batch_id, lock=lock)
    programme = session.get(Programme, batch.programme_id)
    if programme is None:
        raise DomainError("not_found", object="programme")
    require_funder_staff(session, actor, programme)
    if batch.status == BatchStatus.ISSUING:  # its books are not all written yet
        raise DomainError("batch_issuing")
    return batch, programme
