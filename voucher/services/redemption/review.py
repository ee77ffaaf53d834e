"""What a reviewer reads: the holds in scope, one hold with its evidence, and the
structure's recent daily volume.

Read-only. Evidence is the scans related to the held one (listed in the verdict, the same
book, the same beneficiary that day), shown without any beneficiary data; volume comes from
the per-structure daily counters. Holds outside the reader's scope are ``not_found``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, aliased

from voucher.db.models import (
    Book,
    Hold,
    Organisation,
    Programme,
    Redemption,
    StructureDayVolume,
    User,
    Voucher,
)
from voucher.domain import fraud
from voucher.domain.errors import DomainError
from voucher.services.access.programme_scope import Scope

HOLD_STATUSES = ("open", "released", "rejected", "cancelled")
STATUS_FR = {
    "open": "à vérifier",
    "released": "libéré",
    "rejected": "rejeté",
    "cancelled": "annulé",
}
MAX_RELATED = 50


@dataclass(frozen=True)
class HoldRow:
    id: int
    status: str
    rule: str
    evidence: dict[str, Any]
    created_at: datetime
    programme_id: int
    programme_name: str
    structure_id: int
    structure_name: str
    redemption_id: int
    scanned_at: datetime
    scanner_user_id: int | None
    scanner_name: str | None
    face_value_cents: int
    book_id: int
    book_serial: int
    position: int
    beneficiary_id: int | None
    decided_at: datetime | None
    decided_by: int | None
    note: str | None

    @property
    def title(self) -> str:
        rule = fraud.RULES.get(self.rule)
        return rule.title if rule else self.rule

    @property
    def explanation(self) -> str:
        rule = fraud.RULES.get(self.rule)
        return rule.explanation if rule else ""

    @property
    def status_fr(self) -> str:
        return STATUS_FR.get(self.status, self.status)


@dataclass(frozen=True)
class ScanRow:
    id: int
    scanned_at: datetime
    status: str
    structure_id: int
    structure_name: str
    book_serial: int
    position: int
    scanner_name: str | None
    in_evidence: bool


def _hold_query() -> Any:
    structure = aliased(Organisation)
    return (
        select(
            Hold,
            Redemption,
            Programme.name,
            structure.name,
            Book.serial,
            Voucher.position,
            User.name,
        )
        .join(Redemption, Redemption.id == Hold.redemption_id)
        .join(Programme, Programme.id == Hold.programme_id)
        .join(structure, structure.id == Hold.structure_id)
        .join(Book, Book.id == Redemption.book_id)
        .join(Voucher, Voucher.id == Redemption.voucher_id)
        .outerjoin(User, User.id == Redemption.user_id)
    )


def _row(
    h: Hold, r: Redemption, pname: str, sname: str, serial: int, position: int, scanner: str | None
) -> HoldRow:
    return HoldRow(
        h.id,
        h.status,
        h.rule,
        dict(h.evidence or {}),
        h.created_at,
        h.programme_id,
        pname,
        h.structure_id,
        sname,
        r.id,
        r.scanned_at,
        r.user_id,
        scanner,
        r.face_value_cents,
        r.book_id,
        serial,
        position,
        r.beneficiary_id,
        h.decided_at,
        h.decided_by,
        h.note,
    )


def list_holds(
    session: Session,
    scope: Scope,
    *,
    status: str | None = "open",
    programme_id: int | None = None,
    structure_id: int | None = None,
    limit: int = 500,
    after_id: int | None = None,
    changed_since: datetime | None = None,
) -> list[HoldRow]:
    """Oldest first (the queue is worked in order); with ``after_id`` (a sync walk), by
    id after that one, and with ``changed_since`` only holds created or decided since."""
    if status is not None and status not in HOLD_STATUSES:
        raise DomainError("invalid_value", field="status")
    q = _hold_query().where(scope.where(Hold.programme_id)).limit(limit)
    if after_id is None:
        q = q.order_by(Hold.created_at, Hold.id)
    else:
        q = q.where(Hold.id > after_id).order_by(Hold.id)
    if changed_since is not None:
        q = q.where(or_(Hold.created_at >= changed_since, Hold.decided_at >= changed_since))
    if status is not None:
        q = q.where(Hold.status == status)
    if programme_id is not None:
        q = q.where(Hold.programme_id == programme_id)
    if structure_id is not None:
        q = q.where(Hold.structure_id == structure_id)
    return [_row(*row) for row in session.execute(q)]


def get_hold(session: Session, scope: Scope, hold_id: int) -> HoldRow:
    row = session.execute(_hold_query().where(Hold.id == hold_id)).first()
    if row is None or not scope.allows(row[0].programme_id):
        raise DomainError("not_found", object="hold")
    return _row(*row)


def related_scans(session: Session, hold: HoldRow) -> list[ScanRow]:
    """The held scan, the scans its verdict names, and the other scans of its book."""
    named = {int(i) for i in hold.evidence.get("redemption_ids", []) if isinstance(i, int)}
    structure = aliased(Organisation)
    conds = [Redemption.book_id == hold.book_id, Redemption.id == hold.redemption_id]
    if named:
        conds.append(Redemption.id.in_(sorted(named)))
    q = (
        select(
            Redemption.id,
            Redemption.scanned_at,
            Redemption.status,
            Redemption.structure_id,
            structure.name,
            Book.serial,
            Voucher.position,
            User.name,
        )
        .join(structure, structure.id == Redemption.structure_id)
        .join(Book, Book.id == Redemption.book_id)
        .join(Voucher, Voucher.id == Redemption.voucher_id)
        .outerjoin(User, User.id == Redemption.user_id)
        .where(or_(*conds))
        .order_by(Redemption.scanned_at, Redemption.id)
        .limit(MAX_RELATED)
    )
    return [
        ScanRow(i, at, st, sid, sname, serial, pos, who, i in named or i == hold.redemption_id)
        for i, at, st, sid, sname, serial, pos, who in session.execute(q)
    ]


def daily_volume(
    session: Session, structure_id: int, until: date, days: int = 28
) -> list[tuple[date, int]]:
    """Scans per Europe/Paris day over ``days`` days ending on ``until`` (zero-filled)."""
    since = until - timedelta(days=days - 1)
    counts = dict(
        session.execute(
            select(StructureDayVolume.day, StructureDayVolume.scans).where(
                StructureDayVolume.structure_id == structure_id,
                StructureDayVolume.day >= since,
                StructureDayVolume.day <= until,
            )
        ).all()
    )
    return [
        (since + timedelta(days=i), int(counts.get(since + timedelta(days=i), 0)))
        for i in range(days)
    ]
