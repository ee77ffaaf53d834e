"""One scan, whichever way it comes in: the desk (typed, scanned or photographed), the API
(one scan with its Idempotency-Key, or an offline batch), the command line; and its
read-only twin, the look-up ("would this code be accepted here, now?").

Every entry point calls :func:`scan` (an offline batch: :func:`attempt`) or
:func:`look_up`, and only maps the :class:`Outcome` to its medium: an HTML fragment,
problem+json, a batch item, a line on the console.

Rules kept:

* code guessing is checked first (:mod:`voucher.services.redemption.guessing`): a slowed
  or locked source is refused (``too_many_attempts`` / ``locked``, transient: the same
  scan may be sent again after ``retry_after`` seconds) before any look-up;
* the redemption (:func:`voucher.services.redemption.redeem.redeem`) runs in a savepoint:
  a refusal leaves nothing of it, and what the caller wrote before it (an idempotency key
  claimed) stays. A caller that rolls its whole transaction back on a refusal (the API's
  single scan, which then claims its key again) asks for no savepoint (two round trips
  fewer): the refusal is raised, and the caller hands it to :func:`refused` after its
  rollback, which logs it as the savepoint's path does;
* every refusal is logged, except :data:`NOT_LOGGED`: those judge the request, not the
  code presented (the source is throttled and the code was not looked at; a theme or an
  autonomy level outside the vocabulary; an impossible scan time; a scan id already used
  for another code). The log is the record of codes refused: it feeds the guessing counts,
  the screening's refusal alerts and the desk's list of the day's refusals, so it holds
  the same refusals whichever entry point answered them;
* a logged refusal is written in the caller's transaction, after the savepoint was rolled
  back (``refused_scan`` with the code's last four digits only, an audit event
  ``redemption.refuse``, the screening's refusal hooks); the caller commits it with the
  refusal (web views declare ``@writes(keep_on_refusal=True)`` or ``@records``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Generic, TypeVar, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session

from voucher.db.models import RefusedScan, Voucher
from voucher.domain import codes
from voucher.domain.calendar import utcnow
from voucher.domain.errors import DomainError
from voucher.services import audit
from voucher.services.context import Actor
from voucher.services.redemption import guessing, lookup, redeem
from voucher.services.redemption.refusal_alerts import Refusal
from voucher.services.redemption.screening import FULL, Screening

T = TypeVar("T")
REFUSALS = cast(Table, RefusedScan.__table__)

#: refusals for now only: the source is slowed down or locked for code guessing
TRANSIENT = frozenset({"too_many_attempts", "locked"})
#: refusals answered but not logged: they judge the request, not the code presented
NOT_LOGGED = TRANSIENT | {"invalid_value", "invalid_scan_time", "scan_id_reused"}


@dataclass(frozen=True)
class Outcome(Generic[T]):
    """What a scan (a :class:`~voucher.services.redemption.redeem.Result`, ``accepted`` or
    ``held``) or a look-up came to, or the refusal it met."""

    value: T | None = None
    refusal: DomainError | None = None
    #: the refusal was written to the refused-scan log (commit it with the answer)
    logged: bool = False

    @property
    def transient(self) -> bool:
        """Refused for now only: the same scan may be sent again later."""
        return self.refusal is not None and self.refusal.code in TRANSIENT

    def get(self) -> T:
        """The value; its refusal is raised instead when it was refused."""
        if self.refusal is not None:
            raise self.refusal
        return cast(T, self.value)


def scan(
    session: Session,
    actor: Actor,
    scanned: redeem.Scan,
    *,
    screening: Screening = FULL,
    savepoint: bool = True,
) -> Outcome[redeem.Result]:
    """Check the source for code guessing (a dated scan at its own time), then redeem (see
    :func:`attempt`); ``savepoint=False``: the redemption's refusal is raised, not
    answered, for the caller to roll back and hand to :func:`refused`."""
    if scanned.scanned_at is not None:
        throttled = guessing.AtScanTime(session, actor, [scanned.scanned_at]).refusal(
            scanned.scanned_at
        )
    else:
        throttled = guessing.throttle(session, actor)
    if throttled is not None:
        return Outcome(refusal=throttled)
    if not savepoint:
        return Outcome(redeem.redeem(session, actor, scanned, screening))
    return attempt(session, actor, scanned, screening=screening)


def refused(
    session: Session,
    actor: Actor,
    scanned: redeem.Scan,
    err: DomainError,
    *,
    screening: Screening = FULL,
) -> Outcome[redeem.Result]:
    """The outcome of a scan whose refusal :func:`scan` raised (``savepoint=False``), once
    the caller rolled its transaction back: logged unless :data:`NOT_LOGGED`, as
    :func:`attempt` logs it."""

    def refuse() -> redeem.Result:
        raise err

    return _logged(
        session,
        actor,
        scanned.structure_id,
        scanned.code,
        refuse,
        screening,
        scanned_at=scanned.scanned_at,
    )


def attempt(
    session: Session, actor: Actor, scanned: redeem.Scan, *, screening: Screening = FULL
) -> Outcome[redeem.Result]:
    """Redeem in a savepoint and log the refusal, for a source that already passed the
    guessing check (an offline batch checks once for many scans, and after each failure)."""

    def redeem_or_undo() -> redeem.Result:
        with session.begin_nested():  # a refusal leaves nothing of the scan behind
            return redeem.redeem(session, actor, scanned, screening)

    return _logged(
        session,
        actor,
        scanned.structure_id,
        scanned.code,
        redeem_or_undo,
        screening,
        scanned_at=scanned.scanned_at,
    )


def look_up(
    session: Session,
    actor: Actor,
    raw_code: str,
    structure_id: int,
    *,
    screening: Screening = FULL,
) -> Outcome[lookup.VoucherCheck]:
    """Would this code be accepted here, now? Checked and logged as a scan is (it only
    reads: no savepoint); only a code that is not ours (mistyped, unknown) is a refusal, a
    voucher that would be refused is an answer (``acceptable`` false, with the reason)."""
    throttled = guessing.throttle(session, actor)
    if throttled is not None:
        return Outcome(refusal=throttled)
    return _logged(
        session,
        actor,
        structure_id,
        raw_code,
        lambda: lookup.check(session, actor, raw_code, structure_id, screening),
        screening,
    )


def _logged(
    session: Session,
    actor: Actor,
    structure_id: int,
    raw_code: str,
    work: Callable[[], T],
    screening: Screening,
    *,
    scanned_at: datetime | None = None,
) -> Outcome[T]:
    """The outcome of ``work``; its refusal logged unless :data:`NOT_LOGGED`."""
    try:
        return Outcome(work())
    except DomainError as err:
        if err.code in NOT_LOGGED:
            return Outcome(refusal=err)
        record_refusal(
            session,
            actor,
            structure_id=structure_id,
            raw_code=raw_code,
            reason=err.code,
            screening=screening,
            scanned_at=scanned_at,
        )
        return Outcome(refusal=err, logged=True)


def record_refusal(
    session: Session,
    actor: Actor,
    *,
    structure_id: int | None,
    raw_code: str,
    reason: str,
    screening: Screening = FULL,
    scanned_at: datetime | None = None,
) -> None:
    """Log one refused scan in the caller's transaction (the scan itself changed nothing);
    ``scanned_at``: when a dated (offline) scan was made."""
    digits = codes.normalise(raw_code or "")
    voucher_id = None
    if codes.is_valid(digits):
        voucher_id = session.scalar(select(Voucher.id).where(Voucher.code == digits))
    at = utcnow()
    session.execute(
        insert(REFUSALS).values(
            at=at,
            structure_id=structure_id,
            user_id=actor.user_id,
            api_key_id=actor.api_key_id,
            device=actor.device,
            ip=actor.ip,
            code_tail=digits[-4:] or None,
            reason=reason[:40],
            voucher_id=voucher_id,
            scanned_at=scanned_at,
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
    refusal = Refusal(actor, structure_id, voucher_id, reason, at)
    for hook in screening.refusal_hooks:
        hook(session, refusal)
