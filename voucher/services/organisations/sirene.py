"""Loading the SIRENE establishments extract the operator downloads: each line replaces
what was known of its SIRET (a newer extract wins). The load is audited with its counts."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from voucher.db.models import SireneEstablishment
from voucher.domain import sirene
from voucher.domain.calendar import utcnow
from voucher.services import audit
from voucher.services.context import Actor

CHUNK = 2000


def load(session: Session, actor: Actor, lines: Iterable[str]) -> tuple[int, int]:
    """Returns (establishments loaded, lines skipped for a bad SIRET)."""
    skipped = sirene.Skipped()
    now = utcnow()
    loaded = 0
    for est in sirene.read(lines, skipped):
        session.merge(SireneEstablishment(**est.__dict__, loaded_at=now))
        loaded += 1
        if loaded % CHUNK == 0:
            session.flush()
    session.flush()
    audit.record(session, actor, "sirene.load", None, loaded=loaded, skipped=skipped.count)
    return loaded, skipped.count


def find(session: Session, siret: str) -> SireneEstablishment | None:
    return session.get(SireneEstablishment, siret)
