"""Redeeming a voucher at a structure, and undoing a mistaken scan.

The hot path: Core statements only, the voucher row locked (``FOR UPDATE`` on PostgreSQL;
SQLite's ``BEGIN IMMEDIATE`` serialises writers) and then moved by a conditional
``UPDATE ... WHERE state IN (scannable)``, so a voucher is never redeemed twice even if
the lock were missing; the partial unique index on live redemptions is the last guard.
A client scan id makes a replay harmless: the first result comes back, nothing changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    CursorResult,
    Date,
    Table,
    and_,
    bindparam,
    exists,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from voucher.db.models import (
    Book,
    Hold,
    Label,
    Organisation,
    PilotZoneCommune,
    Programme,
    ProgrammeLabel,
    ProgrammeStructure,
    ProgrammeZone,
    Redemption,
    RefusedScan,
    Voucher,
)
from voucher.domain import codes, ledger, vocab
from voucher.domain.acceptance import ScanFacts, refusal
from voucher.domain.calendar import paris_date, utcnow
from voucher.domain.errors import DomainError
from voucher.services import audit
from voucher.services.context import Actor
from voucher.services.finance import journal
from voucher.services.redemption import screening

FUTURE_TOLERANCE = timedelta(minutes=5)
OFFLINE_LIMIT = timedelta(days=30)


@dataclass(frozen=True)
class Scan:
    code: str
    structure_id: int
    theme: str | None = None
    autonomy: str | None = None
    scan_id: str | None = None
    scanned_at: datetime | None = None


@dataclass
class Result:
    redemption_id: int
    status: str
    code: str
    voucher_id: int
    face_value_cents: int
    programme_id: int
    programme_name: str
    valid_until: date
    book_serial: int
    position: int
    vouchers_per_book: int
    scanned_at: datetime
    theme: str | None
    verdicts: list[dict[str, Any]] = field(default_factory=list)
    replayed: bool = False


VOUCHERS = cast(Table, Voucher.__table__)
BOOKS = cast(Table, Book.__table__)
PROGRAMMES = cast(Table, Programme.__table__)
REDEMPTIONS = cast(Table, Redemption.__table__)
HOLDS = cast(Table, Hold.__table__)
REFUSALS = cast(Table, RefusedScan.__table__)
_V, _B, _P, _R = VOUCHERS.c, BOOKS.c, PROGRAMMES.c, REDEMPTIONS.c

_ROW_COLUMNS = (
    _V.id,
    _V.code,
    _V.state,
    _V.book_id,
    _V.position,
    _V.face_value_cents,
    _V.programme_id,
    _B.serial,
    _B.holder_id,
    _B.beneficiary_id,
    _B.status.label("book_status"),
    _P.name.label("programme_name"),
    _P.valid_from,
    _P.valid_until,
    _P.grace_days,
    _P.vouchers_per_book,
    _P.handout_policy,
    _P.fraud_thresholds,
)
_ROW_FROM = VOUCHERS.join(BOOKS, _B.id == _V.book_id).join(PROGRAMMES, _P.id == _V.programme_id)
_VOUCHER_ROW = select(*_ROW_COLUMNS).select_from(_ROW_FROM)


def _acceptance_facts() -> list[Any]:
    """Everything :func:`voucher.domain.acceptance.refusal` needs, as columns of the one
    query that also locks the voucher: no second round trip on the hot path."""
    orgs, labels = cast(Table, Organisation.__table__), cast(Table, Label.__table__)
    p_struct, p_label = (
        cast(Table, ProgrammeStructure.__table__),
        cast(Table, ProgrammeLabel.__table__),
    )
    p_zone, communes = cast(Table, ProgrammeZone.__table__), cast(Table, PilotZoneCommune.__table__)
    sid: Any = bindparam("sid")
    today: Any = bindparam("today", type_=Date())
    valid_today = and_(
        labels.c.valid_from <= today,
        or_(labels.c.valid_until.is_(None), labels.c.valid_until >= today),
    )
    commune = select(orgs.c.commune_insee).where(orgs.c.id == sid).scalar_subquery()
    return [
        select(orgs.c.is_structure).where(orgs.c.id == sid).scalar_subquery().label("is_structure"),
        exists().where(labels.c.organisation_id == sid, valid_today).label("labelled"),
        or_(
            ~exists().where(p_struct.c.programme_id == _V.programme_id),
            exists().where(
                p_struct.c.programme_id == _V.programme_id, p_struct.c.structure_id == sid
            ),
        ).label("structure_listed"),
        or_(
            ~exists().where(p_label.c.programme_id == _V.programme_id),
            exists(
                select(1)
                .select_from(p_label.join(labels, labels.c.name == p_label.c.label_name))
                .where(
                    p_label.c.programme_id == _V.programme_id,
                    labels.c.organisation_id == sid,
                    valid_today,
                )
            ),
        ).label("label_accepted"),
        or_(
            ~exists().where(p_zone.c.programme_id == _V.programme_id),
            exists(
                select(1)
                .select_from(p_zone.join(communes, communes.c.zone_id == p_zone.c.zone_id))
                .where(p_zone.c.programme_id == _V.programme_id, communes.c.insee_code == commune)
            ),
        ).label("in_zone"),
    ]


#: was this scan id already answered at this structure? (replays need the full look-up)
_PRIOR_ID = (
    select(_R.id)
    .where(_R.structure_id == bindparam("sid"), _R.scan_id == bindparam("scan_id"))
    .scalar_subquery()
    .label("prior_scan")
)
_SCAN_ROW = (
    select(*_ROW_COLUMNS, *_acceptance_facts(), _PRIOR_ID)
    .select_from(_ROW_FROM)
    .where(_V.code == bindparam("code"))
)
_SCAN_ROW_LOCKED = _SCAN_ROW.with_for_update(of=VOUCHERS)
_ROW_BY_ID = _VOUCHER_ROW.where(_V.id == bindparam("vid"))
_PRIOR_SCAN = select(_R.id, _R.voucher_id, _R.status, _R.scanned_at, _R.theme, _R.verdicts).where(
    _R.structure_id == bindparam("sid"), _R.scan_id == bindparam("scan_id")
)
_FIRST_LIVE = select(_R.scanned_at, _R.structure_id).where(
    _R.voucher_id == bindparam("vid"), _R.status.in_(("accepted", "held"))
)
_TAKE_VOUCHER = (
    update(VOUCHERS)
    .where(_V.id == bindparam("vid"), _V.state.in_(("active", "distributed")))
    .values(state=bindparam("new_state"), updated_at=bindparam("now"))
)
_NEW_REDEMPTION = insert(REDEMPTIONS).returning(_R.id)
_NEW_HOLD = insert(HOLDS)


def _scan_time(scan: Scan, now: datetime) -> datetime:
    if scan.scanned_at is None:
        return now
    at = scan.scanned_at
    if at.tzinfo is None or at > now + FUTURE_TOLERANCE or at < now - OFFLINE_LIMIT:
        raise DomainError("invalid_scan_time")
    return at


def _facts(row: Any, day: date) -> ScanFacts:
    return ScanFacts(
        state=row.state,
        today=day,
        valid_from=row.valid_from,
        valid_until=row.valid_until,
        grace_days=row.grace_days,
        is_structure=bool(row.is_structure),
        labelled=bool(row.labelled),
        structure_listed=bool(row.structure_listed),
        label_accepted=bool(row.label_accepted),
        in_zone=bool(row.in_zone),
    )


def _result(
    row: Any,
    redemption_id: int,
    status: str,
    at: datetime,
    theme: str | None,
    verdicts: list[dict[str, Any]],
    replayed: bool = False,
) -> Result:
    return Result(
        redemption_id=redemption_id,
        status=status,
        code=row.code,
        voucher_id=row.id,
        face_value_cents=row.face_value_cents,
        programme_id=row.programme_id,
        programme_name=row.programme_name,
        valid_until=row.valid_until,
        book_serial=row.serial,
        position=row.position,
        vouchers_per_book=row.vouchers_per_book,
        scanned_at=at,
        theme=theme,
        verdicts=verdicts,
        replayed=replayed,
    )


def _replay(session: Session, scan: Scan, digits: str) -> Result | None:
    if not scan.scan_id:
        return None
    conn = session.connection()
    prior = conn.execute(_PRIOR_SCAN, {"sid": scan.structure_id, "scan_id": scan.scan_id}).first()
    if prior is None:
        return None
    row = conn.execute(_ROW_BY_ID, {"vid": prior.voucher_id}).first()
    if row is None or row.code != digits:
        raise DomainError("scan_id_reused")
    return _result(
        row, prior.id, prior.status, prior.scanned_at, prior.theme, prior.verdicts or [], True
    )


def _already_redeemed(session: Session, row: Any) -> DomainError:
    first = session.connection().execute(_FIRST_LIVE, {"vid": row.id}).first()
    details: dict[str, Any] = {}
    if first is not None:
        details = {
            "first_redeemed_at": first.scanned_at.isoformat(),
            "first_structure_id": first.structure_id,
        }
    return DomainError("already_redeemed", **details)


def redeem(session: Session, actor: Actor, scan: Scan) -> Result:
    """Accept (or hold) one voucher at ``scan.structure_id``; refusals raise DomainError."""
    digits = codes.parse(scan.code)
    vocab.check(vocab.THEMES, scan.theme, optional=True)
    vocab.check(vocab.AUTONOMY, scan.autonomy, optional=True)
    now = utcnow()
    at = _scan_time(scan, now)
    conn = session.connection()
    locked = _SCAN_ROW_LOCKED if conn.dialect.name == "postgresql" else _SCAN_ROW
    day = paris_date(at)
    row = conn.execute(
        locked, {"code": digits, "sid": scan.structure_id, "today": day, "scan_id": scan.scan_id}
    ).first()
    if (
        row is None or row.prior_scan is not None
    ):  # a replay (or a scan id reused): one more look-up
        replay = _replay(session, scan, digits)
        if replay is not None:
            return replay
    if row is None:
        raise DomainError("unknown_code")
    code = refusal(_facts(row, day))
    if code == "already_redeemed" or code == "held":
        # a concurrent twin of this very scan may have committed while we waited for the row
        # lock: the subquery above used the older snapshot, a new statement sees it
        replay = _replay(session, scan, digits) if row.prior_scan is None else None
        if replay is not None:
            return replay
        raise _already_redeemed(session, row) if code == "already_redeemed" else DomainError(code)
    if code:
        raise DomainError(code)
    ctx = screening.ScanContext(
        voucher_id=row.id,
        state=row.state,
        book_id=row.book_id,
        book_status=row.book_status,
        beneficiary_id=row.beneficiary_id,
        programme_id=row.programme_id,
        handout_policy=row.handout_policy,
        thresholds=row.fraud_thresholds or {},
        structure_id=scan.structure_id,
        user_id=actor.user_id,
        api_key_id=actor.api_key_id,
        scanned_at=at,
    )
    verdicts = screening.screen(session, ctx)
    worst = screening.strongest(verdicts)
    if worst is not None and worst.outcome == "refuse":
        raise DomainError(worst.rule, worst.explanation, rule=worst.rule)
    held = worst is not None and worst.outcome == "hold"
    status, new_state = ("held", "held") if held else ("accepted", "redeemed")
    moved = cast(
        CursorResult[Any],
        conn.execute(_TAKE_VOUCHER, {"vid": row.id, "new_state": new_state, "now": now}),
    )
    if moved.rowcount != 1:
        raise _already_redeemed(session, row)
    target = ledger.suspense(row.programme_id) if held else ledger.payable(scan.structure_id)
    entry_id, lines = journal.write_entry(
        session,
        f"redemption.{status}",
        ledger.move(
            row.face_value_cents, ledger.outstanding(row.programme_id, row.holder_id), target
        ),
        actor=actor,
        at=now,
    )
    verdict_dicts = [v.as_dict() for v in verdicts]
    redemption_id = conn.execute(
        _NEW_REDEMPTION,
        dict(
            voucher_id=row.id,
            structure_id=scan.structure_id,
            programme_id=row.programme_id,
            book_id=row.book_id,
            beneficiary_id=row.beneficiary_id,
            prescriber_id=row.holder_id,
            user_id=actor.user_id,
            api_key_id=actor.api_key_id,
            scan_id=scan.scan_id,
            device=actor.device,
            status=status,
            face_value_cents=row.face_value_cents,
            scanned_at=at,
            recorded_at=now,
            theme=scan.theme,
            autonomy=scan.autonomy,
            prior_state=row.state,
            verdicts=verdict_dicts,
            entry_id=entry_id,
            cancelled_at=None,
            cancelled_by=None,
            cancel_entry_id=None,
            statement_id=None,
        ),
    ).scalar_one()
    if held and worst is not None:
        conn.execute(
            _NEW_HOLD,
            dict(
                redemption_id=redemption_id,
                programme_id=row.programme_id,
                structure_id=scan.structure_id,
                rule=worst.rule,
                evidence=worst.evidence,
                status="open",
                created_at=now,
                decided_at=None,
                decided_by=None,
                decision_entry_id=None,
                note=None,
            ),
        )
    screening.recorded(session, ctx, redemption_id, status, verdicts)
    audit.record(
        session,
        actor,
        f"redemption.{status}",
        ("redemption", redemption_id),
        organisation_id=scan.structure_id,
        voucher_id=row.id,
        rules=[v.rule for v in verdicts],
    )
    journal.move_balances(session, lines)  # last: shared account rows locked only until commit
    return _result(row, redemption_id, status, at, scan.theme, verdict_dicts)


def record_refusal(
    session: Session, actor: Actor, *, structure_id: int | None, raw_code: str, reason: str
) -> None:
    """Kept in its own transaction by the caller (the refused scan itself changed nothing)."""
    digits = codes.normalise(raw_code or "")
    voucher_id = None
    if codes.is_valid(digits):
        voucher_id = session.scalar(select(_V.id).where(_V.code == digits))
    session.execute(
        insert(REFUSALS).values(
            at=utcnow(),
            structure_id=structure_id,
            user_id=actor.user_id,
            api_key_id=actor.api_key_id,
            device=actor.device,
            ip=actor.ip,
            code_tail=digits[-4:] or None,
            reason=reason[:40],
            voucher_id=voucher_id,
        )
    )
    audit.record(
        session,
        actor,
        "redemption.refuse",
        ("voucher", voucher_id),
        outcome=reason,
        organisation_id=structure_id,
        code_tail=digits[-4:],
    )
    screening.refused(session, screening.Refusal(actor, structure_id, voucher_id, reason, utcnow()))


def _state_after_cancel(book_status: str) -> tuple[str, Any]:
    """Where a cancelled scan sends its voucher: back to the book's current life (handed
    out since the scan → ``distributed``), or, when the book was reported lost/stolen or
    expired meanwhile, straight to the end state its unused siblings took, value to breakage."""
    if book_status == "handed_out":
        return "distributed", None
    if book_status in ("lost", "stolen"):
        return "cancelled", ledger.breakage
    if book_status == "expired":
        return "expired", ledger.breakage
    return "active", None


def cancel(
    session: Session,
    actor: Actor,
    redemption_id: int,
    *,
    structure_id: int | None,
    as_finance: bool = False,
) -> Redemption:
    """Undo a scan with a reversing entry. Reception: own scans (same person, or same API
    key), within the programme's window. Finance: any scan not yet in a statement."""
    stmt = select(Redemption).where(Redemption.id == redemption_id)
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    red = session.scalars(stmt).first()
    if red is None or (structure_id is not None and red.structure_id != structure_id):
        raise DomainError("not_found", object="redemption")
    if red.status in ("cancelled", "rejected"):
        raise DomainError("already_cancelled")
    if red.statement_id is not None:
        raise DomainError("already_paid")
    now = utcnow()
    if not as_finance:
        by_same_person = actor.user_id is not None and red.user_id == actor.user_id
        by_same_key = actor.api_key_id is not None and red.api_key_id == actor.api_key_id
        if not (by_same_person or by_same_key):
            raise DomainError("not_your_scan")
        window = session.scalar(
            select(Programme.cancel_window_minutes).where(Programme.id == red.programme_id)
        )
        if now - red.recorded_at > timedelta(minutes=window or 0):
            raise DomainError("cancel_window_passed")
    source = (
        ledger.suspense(red.programme_id)
        if red.status == "held"
        else ledger.payable(red.structure_id)
    )
    book = session.execute(select(_B.holder_id, _B.status).where(_B.id == red.book_id)).one()
    restored, target = _state_after_cancel(book.status)
    if target is None:
        target = ledger.outstanding(red.programme_id, int(book.holder_id or red.prescriber_id))
    else:
        target = target(red.programme_id)
    red.cancel_entry_id = journal.post(
        session,
        "redemption.cancel",
        ledger.move(red.face_value_cents, source, target),
        actor=actor,
        at=now,
    )
    moved = cast(
        CursorResult[Any],
        session.execute(
            update(VOUCHERS)
            .where(_V.id == red.voucher_id, _V.state.in_(("redeemed", "held")))
            .values(state=restored, updated_at=now)
        ),
    )
    if moved.rowcount != 1:
        raise DomainError("already_paid")
    if red.status == "held":
        session.execute(
            update(HOLDS)
            .where(HOLDS.c.redemption_id == red.id)
            .values(status="cancelled", decided_at=now, decided_by=actor.user_id)
        )
    red.status, red.cancelled_at, red.cancelled_by = "cancelled", now, actor.user_id
    audit.record(
        session,
        actor,
        "redemption.cancel",
        ("redemption", red.id),
        organisation_id=red.structure_id,
        as_finance=as_finance,
    )
    return red
