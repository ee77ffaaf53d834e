"""Can this voucher be accepted at this structure today? Pure decision, no I/O.

Order of checks (the first failing one is the answer the desk sees):
the scanning organisation is a structure; the voucher's state; the programme's dates
(validity + grace, in Europe/Paris days); the structure holds a valid label today; the
programme accepts this structure (explicit list, accepted labels, pilot zones).
The facts are gathered by one query in the redemption service.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from voucher.domain.calendar import last_valid_day
from voucher.domain.states import REFUSAL_FOR_STATE, SCANNABLE, VoucherState


@dataclass(frozen=True)
class ScanFacts:
    state: str
    today: date
    valid_from: date
    valid_until: date
    grace_days: int
    is_structure: bool
    #: the structure holds at least one label valid today
    labelled: bool
    #: the programme lists no structures, or lists this one
    structure_listed: bool
    #: the programme lists no labels, or the structure holds one of them today
    label_accepted: bool
    #: the programme has no pilot zone, or the structure's commune is in one
    in_zone: bool


def refusal(f: ScanFacts) -> str | None:
    """The refusal code, or None when the scan can be accepted."""
    if not f.is_structure:
        return "not_a_structure"
    state = VoucherState(f.state)
    if state not in SCANNABLE:
        return REFUSAL_FOR_STATE[state]
    if f.today > last_valid_day(f.valid_until, f.grace_days):
        return "expired"
    if f.today < f.valid_from:
        return "not_yet_valid"
    if not f.labelled:
        return "structure_not_labelled"
    if not (f.structure_listed and f.label_accepted and f.in_zone):
        return "not_accepted_here"
    return None
