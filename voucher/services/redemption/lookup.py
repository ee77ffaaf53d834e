"""Would this code be accepted here, now? The read-only twin of a scan.

Rules kept:

* the same decision as :func:`voucher.services.redemption.redeem.redeem`, from the same single
  query (without the row lock) and the same pure check
  (:func:`voucher.domain.acceptance.refusal`), then the same screening's rules, which only
  read: a rule that would refuse makes the code not acceptable, with the rule's name as
  reason; a rule that would hold leaves it acceptable (the scan would be parked for review);
* a mistyped code is refused before any look-up, an unknown code raises ``unknown_code``;
  entry points call it through :func:`voucher.services.redemption.scan.look_up`, which
  checks code guessing first and logs those refusals as a scan's are logged;
* the answer says nothing about the beneficiary (not even whether there is one): only what
  is printed on the voucher, its state and the programme.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from voucher.domain import codes
from voucher.domain.acceptance import refusal
from voucher.domain.calendar import last_valid_day, paris_date, utcnow
from voucher.domain.errors import DomainError
from voucher.domain.verdicts import strongest
from voucher.services.context import Actor
from voucher.services.redemption.redeem import acceptance_facts, context, screen
from voucher.services.redemption.scan_statements import SCAN_ROW
from voucher.services.redemption.screening import FULL, Screening


@dataclass(frozen=True)
class VoucherCheck:
    code: str
    state: str
    face_value_cents: int
    programme_id: int
    programme_name: str
    valid_until: date
    last_day: date
    book_serial: int
    position: int
    vouchers_per_book: int
    acceptable: bool
    reason: str | None


def check(
    session: Session, actor: Actor, raw_code: str, structure_id: int, screening: Screening = FULL
) -> VoucherCheck:
    digits = codes.parse(raw_code)
    now = utcnow()
    day = paris_date(now)
    row = (
        session.connection()
        .execute(SCAN_ROW, {"code": digits, "sid": structure_id, "today": day, "scan_id": None})
        .first()
    )
    if row is None:
        raise DomainError("unknown_code")
    reason = refusal(acceptance_facts(row, day))
    if reason is None:
        ctx = context(row, structure_id, actor, now)
        worst = strongest(screen(session, ctx, screening))
        if worst is not None and worst.outcome == "refuse":
            reason = worst.rule
    return VoucherCheck(
        code=row.code,
        state=row.state,
        face_value_cents=row.face_value_cents,
        programme_id=row.programme_id,
        programme_name=row.programme_name,
        valid_until=row.valid_until,
        last_day=last_valid_day(row.valid_until, row.grace_days),
        book_serial=row.serial,
        position=row.position,
        vouchers_per_book=row.vouchers_per_book,
        acceptable=reason is None,
        reason=reason,
    )
