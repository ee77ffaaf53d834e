"""Which programmes a finance user acts on.

Finance staff of the operator act on every programme; finance staff of a funder only on
the programmes it funds (:mod:`voucher.services.access.programme_scope`). A statement is in
scope when **all** its programmes are, so nobody reads another funder's lines. The system
and the command line without ``--as`` act on everything.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import exists, not_
from sqlalchemy.orm import Session

from voucher.db.models import Statement, StatementProgramme
from voucher.services.access.programme_scope import Scope, scope_for
from voucher.services.context import Actor

EVERYTHING = Scope(everything=True)


def finance_scope(session: Session, actor: Actor) -> Scope:
    """The system and the command line without ``--as`` act on everything."""
    if actor.user_id is None and actor.api_key_id is None:
        return EVERYTHING
    return scope_for(session, actor)


def statement_in_scope(scope: Scope) -> Any:
    """SQL condition on ``statement``: every programme of the statement is in scope."""
    if scope.everything:
        return Statement.id.isnot(None)
    outside = exists().where(
        StatementProgramme.statement_id == Statement.id,
        not_(scope.where(StatementProgramme.programme_id)),
    )
    return not_(outside)
