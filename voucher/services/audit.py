"""Append-only audit events with dotted action names (``batch.issue``, ``redemption.accept``)."""

from __future__ import annotations

from typing import Any, cast

from sqlalchemy import Table, insert
from sqlalchemy.orm import Session

from voucher.db.models import AuditEvent
from voucher.domain.calendar import utcnow
from voucher.services.context import Actor

_NEW_EVENT = insert(cast(Table, AuditEvent.__table__))


def record(
    session: Session,
    actor: Actor,
    action: str,
    obj: tuple[str, int | None] | None = None,
    *,
    outcome: str = "ok",
    organisation_id: int | None = None,
    **details: Any,
) -> None:
    object_type, object_id = obj if obj else (None, None)
    session.connection().execute(
        _NEW_EVENT,
        dict(
            at=utcnow(),
            action=action,
            outcome=outcome,
            actor_user_id=actor.user_id,
            actor_api_key_id=actor.api_key_id,
            actor_label=actor.label,
            organisation_id=organisation_id
            if organisation_id is not None
            else actor.organisation_id,
            object_type=object_type,
            object_id=object_id,
            ip=actor.ip,
            details=details,
        ),
    )
