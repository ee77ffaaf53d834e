"""Communes' centres, loaded from a file (``voucher communes centres``): where distances in
the letter given with a carnet are measured from. A code already known is updated; codes
the shipped COG does not list are skipped and counted, never stored."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from voucher.db.models import CommuneCentre
from voucher.domain import communes
from voucher.services import audit
from voucher.services.context import Actor


@dataclass
class Loaded:
    stored: int = 0
    outside_cog: int = 0


def load(
    session: Session, actor: Actor, rows: list[tuple[str, float, float]], source: str
) -> Loaded:
    done = Loaded()
    for code, latitude, longitude in rows:
        if communes.get(code) is None:
            done.outside_cog += 1
            continue
        row = session.get(CommuneCentre, code) or CommuneCentre(code=code)
        row.latitude, row.longitude, row.source = latitude, longitude, source[:200]
        session.add(row)
        done.stored += 1
    session.flush()
    audit.record(
        session,
        actor,
        "communes.centres",
        None,
        stored=done.stored,
        outside_cog=done.outside_cog,
        source=source[:200],
    )
    return done
