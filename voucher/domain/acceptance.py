"""Can this voucher be accepted at this structure today? Pure decision, no I/O.

Order of checks (the first failing one is the answer the desk sees):
the scanning organisation is a structure; the voucher's state; the programme's dates
(validity + grace, in Europe/Paris days); the structure holds a valid label today; the
programme accepts this structure (explicit list, accepted labels, pilot zones).
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
    structure_id: int
    labels_today: frozenset[str]
    accepted_labels: frozenset[str]
    accepted_structures: frozenset[int]
    has_zones: bool
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
    if not f.labels_today:
        return "structure_not_labelled"
    if f.accepted_structures and f.structure_id not in f.accepted_structures:
        return "not_accepted_here"
    if f.accepted_labels and not (f.accepted_labels & f.labels_today):
        return "not_accepted_here"
    if f.has_zones and not f.in_zone:
        return "not_accepted_here"
    return None
