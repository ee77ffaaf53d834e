"""Voucher states and the transitions allowed between them (DOMAIN.md, "Voucher life").

``issued`` (printed, not funded) -> ``active`` (funds received) -> ``distributed`` (book
handed to a beneficiary) -> ``redeemed`` (scanned and accepted) -> ``reimbursed`` (its
statement was paid). A scan may instead park the voucher in ``held`` (fraud review), from
which it is released (``redeemed``) or rejected (``cancelled``). Lost or stolen books cancel
their unused vouchers; unused vouchers expire at the end of validity + grace. A cancelled
scan returns the voucher to the state its book now gives it: ``active``, ``distributed``,
or, when the book was reported lost/stolen or expired meanwhile, the end state its unused
siblings took. A payment the bank returns puts its vouchers back to ``redeemed``.

Services never spell a state: they take it from here, and every bulk move
(``UPDATE voucher SET state = :to WHERE state IN (:from)``) goes through
:func:`check_move`, which raises :class:`ForbiddenMove` for a move :data:`TRANSITIONS` does
not allow. Books (:class:`BookStatus`), batches and programmes have their statuses here too.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import TypeVar


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
E = TypeVar("E", bound=StrEnum)

TRANSITIONS: dict[VoucherState, frozenset[VoucherState]] = {
    S.ISSUED: frozenset({S.ACTIVE, S.CANCELLED, S.EXPIRED}),
    S.ACTIVE: frozenset({S.DISTRIBUTED, S.REDEEMED, S.HELD, S.CANCELLED, S.EXPIRED}),
    S.DISTRIBUTED: frozenset({S.REDEEMED, S.HELD, S.CANCELLED, S.EXPIRED, S.ACTIVE}),
    # released, rejected, or its scan cancelled (back to the book's life or its end state)
    S.HELD: frozenset({S.REDEEMED, S.CANCELLED, S.ACTIVE, S.DISTRIBUTED, S.EXPIRED}),
    # paid, or its scan cancelled (back to the book's life or its end state)
    S.REDEEMED: frozenset({S.REIMBURSED, S.ACTIVE, S.DISTRIBUTED, S.CANCELLED, S.EXPIRED}),
    # the bank returned the payment: owed to the structure again
    S.REIMBURSED: frozenset({S.REDEEMED}),
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


#: end states of a voucher never used (its book lost, stolen, replaced or expired)
ENDED = frozenset({S.CANCELLED, S.EXPIRED})
#: states whose scan is live (accepted or held), not reimbursed yet
SCANNED = frozenset({S.REDEEMED, S.HELD})


class ForbiddenMove(Exception):
    """A service was about to write a state change its state machine does not allow: a bug,
    never a refusal to show to a user."""


def can_move(src: VoucherState, dst: VoucherState) -> bool:
    return dst in TRANSITIONS[src]


def check_move(sources: Iterable[str], target: str) -> tuple[VoucherState, ...]:
    """``sources`` (sorted, for a ``WHERE state IN``) once every move to ``target`` is allowed.

    Raises :class:`ForbiddenMove` otherwise."""
    return _checked(TRANSITIONS, VoucherState, sources, target)


def sources_for(target: str, among: Iterable[str] = tuple(VoucherState)) -> frozenset[VoucherState]:
    """The states of ``among`` from which a voucher may move to ``target``."""
    dst = VoucherState(target)
    return frozenset(src for src in map(VoucherState, among) if dst in TRANSITIONS[src])


# --- books, batches, programmes ----------------------------------------------------------


class BookStatus(StrEnum):
    IN_STOCK = "in_stock"  # with its prescriber
    HANDED_OUT = "handed_out"  # with a beneficiary
    LOST = "lost"
    STOLEN = "stolen"
    EXPIRED = "expired"
    REPLACED = "replaced"  # reprinted: its unused vouchers live on in a new book


B = BookStatus
_ENDS = frozenset({B.LOST, B.STOLEN, B.EXPIRED, B.REPLACED})
BOOK_TRANSITIONS: dict[BookStatus, frozenset[BookStatus]] = {
    B.IN_STOCK: frozenset({B.HANDED_OUT}) | _ENDS,
    B.HANDED_OUT: _ENDS,
    B.LOST: frozenset(),
    B.STOLEN: frozenset(),
    B.EXPIRED: frozenset(),
    B.REPLACED: frozenset(),
}
#: books still in circulation: they can be handed out (if in stock), reported, replaced
BOOK_IN_USE = frozenset({B.IN_STOCK, B.HANDED_OUT})
#: why a book leaves circulation when someone reports it
BOOK_REPORT_REASONS = frozenset({B.LOST, B.STOLEN})


def check_book_move(sources: Iterable[str], target: str) -> tuple[BookStatus, ...]:
    """Like :func:`check_move`, for books."""
    return _checked(BOOK_TRANSITIONS, BookStatus, sources, target)


class BatchStatus(StrEnum):
    ISSUING = "issuing"  # a large batch still being written by its job, chunk by chunk
    ISSUED = "issued"  # printed or not, unfunded
    ACTIVE = "active"  # funded: its vouchers are active
    CANCELLED = "cancelled"


class ProgrammeStatus(StrEnum):
    OPEN = "open"
    EXPIRED = "expired"  # validity + grace over: unused vouchers expired


def _checked(
    table: Mapping[E, frozenset[E]], kind: type[E], sources: Iterable[str], target: str
) -> tuple[E, ...]:
    dst = kind(target)
    srcs = sorted(set(map(kind, sources)))
    forbidden = [src for src in srcs if dst not in table[src]]
    if forbidden:
        raise ForbiddenMove(f"{kind.__name__}: {', '.join(forbidden)} -> {dst} is not allowed")
    return tuple(srcs)
