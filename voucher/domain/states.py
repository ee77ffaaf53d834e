"""Voucher states and the transitions allowed between them (DOMAIN.md, "Voucher life").

``issued`` (printed, not funded) -> ``active`` (funds received) -> ``distributed`` (book
handed to a beneficiary) -> ``redeemed`` (scanned and accepted) -> ``reimbursed`` (its
statement was paid). A scan may instead park the voucher in ``held`` (fraud review), from
which it is released (``redeemed``) or rejected (``cancelled``). Lost or stolen books cancel
their unused vouchers; unused vouchers expire at the end of validity + grace. A cancelled
scan returns the voucher to the state it had before the scan.
"""

from __future__ import annotations

from enum import StrEnum


class VoucherState(StrEnum):
    ISSUED = "issued"
    ACTIVE = "active"
    DISTRIBUTED = "distributed"
    HELD = "held"
    REDEEMED = "redeemed"
    REIMBURSED = "reimbursed"
    CANCELLED = "cancelled"
    EXPIRED = "expired"


S = VoucherState

TRANSITIONS: dict[VoucherState, frozenset[VoucherState]] = {
    S.ISSUED: frozenset({S.ACTIVE, S.CANCELLED}),
    S.ACTIVE: frozenset({S.DISTRIBUTED, S.REDEEMED, S.HELD, S.CANCELLED, S.EXPIRED}),
    S.DISTRIBUTED: frozenset({S.REDEEMED, S.HELD, S.CANCELLED, S.EXPIRED, S.ACTIVE}),
    S.HELD: frozenset({S.REDEEMED, S.CANCELLED, S.ACTIVE, S.DISTRIBUTED}),
    S.REDEEMED: frozenset({S.REIMBURSED, S.ACTIVE, S.DISTRIBUTED}),
    S.REIMBURSED: frozenset(),
    S.CANCELLED: frozenset(),
    S.EXPIRED: frozenset(),
}

#: states in which a scan can be accepted
SCANNABLE = frozenset({S.ACTIVE, S.DISTRIBUTED})
#: states whose face value sits in ``outstanding``
OUTSTANDING = frozenset({S.ACTIVE, S.DISTRIBUTED})
#: states that can still be cancelled (lost/stolen) or expired
UNUSED = frozenset({S.ISSUED, S.ACTIVE, S.DISTRIBUTED})

#: why a scan of a voucher in this state is refused
REFUSAL_FOR_STATE: dict[VoucherState, str] = {
    S.ISSUED: "not_active",
    S.HELD: "held",
    S.REDEEMED: "already_redeemed",
    S.REIMBURSED: "already_redeemed",
    S.CANCELLED: "cancelled",
    S.EXPIRED: "expired",
}

LABELS_FR: dict[VoucherState, str] = {
    S.ISSUED: "émis (non activé)",
    S.ACTIVE: "actif",
    S.DISTRIBUTED: "remis à un bénéficiaire",
    S.HELD: "en attente de vérification",
    S.REDEEMED: "encaissé",
    S.REIMBURSED: "remboursé",
    S.CANCELLED: "annulé",
    S.EXPIRED: "périmé",
}


def can_move(src: VoucherState, dst: VoucherState) -> bool:
    return dst in TRANSITIONS[src]
