"""Offline disputes: an acceptance a desk made offline that the server refused on upload
(unknown code, already redeemed, cancelled, not accepted here...) is kept for review
instead of being lost.

Rules kept:

* a dispute opens when an offline batch's scan is refused and its refusal was logged
  (it judged the code, not the request); a mistyped code never opens one (the desk checks
  the check digit offline, so it cannot have accepted it); one dispute per structure and
  ``scan_id``, answered again when the batch is resent;
* only the code's last four digits are kept (as in the refused-scan log); the voucher and
  its programme when the code is ours;
* the structure reads its disputes; ``funder`` staff of the voucher's programme, or
  ``finance`` staff, decide (:mod:`voucher.services.access.programme_scope`); a dispute
  with no voucher (unknown code) belongs to no programme: only the operator's finance
  staff see it; a key never decides (a person does), never the person who scanned;
* **release** pays the structure as if the scan had been accepted when it was made: a
  redemption dated at the offline scan time, ``outstanding`` → ``payable``, paid with the
  next statement. Only a voucher still unspent (active or distributed) can be released:
  a voucher redeemed elsewhere, held, cancelled, expired or unknown is
  ``dispute_not_payable``, so nothing is ever paid twice and no value already returned to
  the funder is paid out again;
* **reject** closes it with a mandatory reason; no money moves (nothing was taken);
* each decision is decided once (the row is locked), with one audit event
  (``dispute.release``, ``dispute.reject``) and a webhook (``dispute.released``,
  ``dispute.rejected``) to the structure and the programme's funders, after commit.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from voucher.db import dialect
from voucher.db.models import OfflineDispute, Voucher
from voucher.domain import codes
from voucher.domain.calendar import utcnow
from voucher.domain.cursor import Cursor
from voucher.domain.errors import DomainError, register
from voucher.services import audit
from voucher.services.access.api_reads import SyncPage, Viewer, sync_page
from voucher.services.access.programme_scope import scope_for
from voucher.services.context import Actor
from voucher.services.redemption import redeem
from voucher.services.webhooks import events

STATUSES = ("open", "released", "rejected")
NOTE_MAX = 500
EVENT_OF = {"release": "dispute.released", "reject": "dispute.rejected"}
#: refusals that never open a dispute: a desk cannot have accepted them offline
NOT_DISPUTED = frozenset({"mistyped_code"})

register(
    "dispute_not_payable",
    "Ce chèque ne peut plus être payé (déjà encaissé, retenu, annulé, périmé ou inconnu) : "
    "rejetez ce litige.",
)
register(
    "dispute_already_decided",
    "Ce litige est déjà tranché (payé ou rejeté).",
)


def open_for(session: Session, actor: Actor, scan: redeem.Scan, reason: str) -> int | None:
    """Open the dispute of one refused offline scan (in the caller's transaction); its id,
    or None when this refusal opens none."""
    if reason in NOT_DISPUTED or not scan.scan_id:
        return None
    digits = codes.normalise(scan.code or "")
    voucher = None
    if codes.is_valid(digits):
        voucher = session.execute(
            select(Voucher.id, Voucher.programme_id, Voucher.face_value_cents).where(
                Voucher.code == digits
            )
        ).first()
    dispute = OfflineDispute(
        structure_id=scan.structure_id,
        programme_id=voucher.programme_id if voucher else None,
        voucher_id=voucher.id if voucher else None,
        face_value_cents=voucher.face_value_cents if voucher else None,
        api_key_id=actor.api_key_id,
        user_id=actor.user_id,
        scan_id=scan.scan_id,
        code_tail=digits[-4:] or None,
        reason=reason[:40],
        scanned_at=scan.scanned_at,
        created_at=utcnow(),
        status="open",
    )
    session.add(dispute)
    session.flush()
    audit.record(
        session,
        actor,
        "dispute.open",
        ("offline_dispute", dispute.id),
        organisation_id=scan.structure_id,
        reason=reason,
        code_tail=dispute.code_tail,
    )
    return dispute.id


def find(session: Session, structure_id: int, scan_id: str) -> int | None:
    """The dispute an offline scan opened, if any (a resent batch answers it again)."""
    return session.scalar(
        select(OfflineDispute.id).where(
            OfflineDispute.structure_id == structure_id, OfflineDispute.scan_id == scan_id
        )
    )


# reading ---------------------------------------------------------------------------------


def _visible(viewer: Viewer) -> Any:
    return viewer.sees(programme=OfflineDispute.programme_id, structure=OfflineDispute.structure_id)


def sync_disputes(session: Session, viewer: Viewer, walk: Cursor, size: int) -> SyncPage:
    """Disputes by id; with ``since``, those opened or decided since then."""
    q = select(OfflineDispute).where(_visible(viewer), OfflineDispute.id > walk.after)
    if walk.status is not None:
        q = q.where(OfflineDispute.status == walk.status)
    if walk.since is not None:
        q = q.where(
            or_(OfflineDispute.created_at >= walk.since, OfflineDispute.decided_at >= walk.since)
        )
    rows = list(session.scalars(q.order_by(OfflineDispute.id).limit(size + 1)))
    return sync_page(rows, size, walk, lambda d: d.id)


def open_at(session: Session, structure_id: int, limit: int = 50) -> list[OfflineDispute]:
    """A place's open disputes, oldest first (what its desk shows)."""
    return list(
        session.scalars(
            select(OfflineDispute)
            .where(OfflineDispute.structure_id == structure_id, OfflineDispute.status == "open")
            .order_by(OfflineDispute.id)
            .limit(limit)
        )
    )


def get(session: Session, viewer: Viewer, dispute_id: int) -> OfflineDispute:
    found = session.scalar(
        select(OfflineDispute).where(OfflineDispute.id == dispute_id, _visible(viewer))
    )
    if found is None:
        raise DomainError("not_found", object="dispute")
    return found


# deciding --------------------------------------------------------------------------------


def _open(session: Session, actor: Actor, dispute_id: int) -> OfflineDispute:
    programme_id = session.scalar(
        select(OfflineDispute.programme_id).where(OfflineDispute.id == dispute_id)
    )
    exists = session.scalar(select(OfflineDispute.id).where(OfflineDispute.id == dispute_id))
    if exists is None or not scope_for(session, actor).allows(programme_id):
        raise DomainError("not_found", object="dispute")
    if actor.user_id is None:
        raise DomainError("forbidden")
    stmt = (
        select(OfflineDispute)
        .where(OfflineDispute.id == dispute_id)
        .execution_options(populate_existing=True)
    )
    dispute = session.scalars(dialect.for_update(stmt, session)).one()
    if dispute.status != "open":
        raise DomainError("dispute_already_decided")
    if dispute.user_id is not None and dispute.user_id == actor.user_id:
        raise DomainError("same_person_review")
    return dispute


def release(session: Session, actor: Actor, dispute_id: int) -> OfflineDispute:
    """Pay the structure for its offline acceptance (see the module's rules)."""
    dispute = _open(session, actor, dispute_id)
    code = None
    if dispute.voucher_id is not None:
        code = session.scalar(select(Voucher.code).where(Voucher.id == dispute.voucher_id))
    if code is None:
        raise DomainError("dispute_not_payable")
    scanner = Actor(
        label="scan hors ligne",
        user_id=dispute.user_id,
        api_key_id=dispute.api_key_id,
        organisation_id=dispute.structure_id,
    )
    scan = redeem.Scan(
        code, dispute.structure_id, scan_id=dispute.scan_id, scanned_at=dispute.scanned_at
    )
    result = redeem.accept_after_review(session, scanner, scan)
    _close(dispute, actor, "released")
    dispute.redemption_id = result.redemption_id
    session.flush()
    _record(session, actor, "release", dispute)
    return dispute


def reject(session: Session, actor: Actor, dispute_id: int, note: str) -> OfflineDispute:
    reason = (note or "").strip()
    if not reason or len(reason) > NOTE_MAX:
        raise DomainError("note_required")
    dispute = _open(session, actor, dispute_id)
    _close(dispute, actor, "rejected")
    dispute.note = reason
    session.flush()
    _record(session, actor, "reject", dispute)
    return dispute


def _close(dispute: OfflineDispute, actor: Actor, status: str) -> None:
    dispute.status, dispute.decided_at, dispute.decided_by = status, utcnow(), actor.user_id


def _record(session: Session, actor: Actor, verb: str, dispute: OfflineDispute) -> None:
    audit.record(
        session,
        actor,
        f"dispute.{verb}",
        ("offline_dispute", dispute.id),
        organisation_id=dispute.structure_id,
        programme_id=dispute.programme_id,
        redemption_id=dispute.redemption_id,
        note=dispute.note,
    )
    data = {
        "dispute_id": dispute.id,
        "scan_id": dispute.scan_id,
        "structure_id": dispute.structure_id,
        "programme_id": dispute.programme_id,
        "redemption_id": dispute.redemption_id,
        "reason": dispute.reason,
    }
    funders = events.funders_of(session, dispute.programme_id) if dispute.programme_id else []
    events.emit(session, EVENT_OF[verb], data, [dispute.structure_id, *funders])
