"""Rules the workspaces keep that are not about a single voucher.

Programme editing, once its first batch is issued (the vouchers are printed, funded and
in people's hands, so what they promise cannot change under them):

* locked: face value, vouchers per book, start of validity, funders and their shares;
* may only grow: end of validity, grace period (never shorten a printed promise);
* always editable while the programme is open: name, cancellation window, hand-out policy,
  accepted zones, structures and labels, fraud thresholds.

A closed programme cannot be edited at all. Bank details are validated by a different
person from the one who entered them (four eyes). An administrator cannot deactivate
their own account (someone must remain able to administer).
"""

from __future__ import annotations

from datetime import date

from voucher.domain.errors import DomainError, register

LOCKED_AFTER_ISSUE = ("face_value_cents", "vouchers_per_book", "valid_from", "funders")
GROW_ONLY_AFTER_ISSUE = ("valid_until", "grace_days")
MAX_CANCEL_WINDOW = 24 * 60

register(
    "programme_field_locked",
    "Ce champ ne peut plus être modifié : des carnets de ce dispositif ont déjà été émis.",
)
register(
    "programme_cannot_shorten",
    "La validité ne peut pas être raccourcie : des carnets imprimés portent déjà cette date.",
)
register(
    "same_person_bank",
    "Les coordonnées bancaires doivent être validées par une autre personne que celle qui les a saisies.",
)
register("cannot_deactivate_self", "Vous ne pouvez pas désactiver votre propre compte.")
register(
    "printing_unavailable",
    "L'impression des carnets n'est pas encore disponible sur ce serveur : contactez l'opérateur.",
)
register(
    "photo_unreadable",
    "Aucun code-barres lisible sur cette photo : reprenez-la de plus près, bien à plat et éclairée.",
)


def check_programme_change(field: str, old: object, new: object, *, issued: bool) -> None:
    """Raise if changing ``field`` from ``old`` to ``new`` is not allowed."""
    if old == new or not issued:
        return
    if field in LOCKED_AFTER_ISSUE:
        raise DomainError("programme_field_locked", field=field)
    if field in GROW_ONLY_AFTER_ISSUE and _smaller(new, old):
        raise DomainError("programme_cannot_shorten", field=field)


def _smaller(new: object, old: object) -> bool:
    if isinstance(new, date) and isinstance(old, date):
        return new < old
    if isinstance(new, int) and isinstance(old, int):
        return new < old
    return False


def check_cancel_window(minutes: int) -> int:
    if not isinstance(minutes, int) or not 0 <= minutes <= MAX_CANCEL_WINDOW:
        raise DomainError("invalid_value", field="cancel_window_minutes")
    return minutes
