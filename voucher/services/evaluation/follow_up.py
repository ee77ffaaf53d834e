"""The follow-up question, "has the person done the procedure alone since?", and the
comparison group a funder declares for the before/after.

Rules kept:

- An answer is one of :data:`voucher.domain.vocab.FOLLOW_UP` (the national autonomy scale's
  terms, and ``non_communique`` when the question was not asked); rows are added, never
  changed; each is audited (``follow_up.record``, ``comparison.declare``).
- **Pilot people** are named by their carnet's serial. The prescriber that handed the
  carnet out, or a structure that took one of its vouchers, may answer; any other
  organisation is told the carnet is not found (nothing said about whether it exists).
  ``apres`` is dated on the day of the person's last session in the programme or later
  (at least one session is needed); ``avant`` on the day of the first session or earlier;
  never in the future.
- **Comparison people** exist only where the funder declared a comparison group; a
  prescriber records them pseudonymously (same profile as a hand-out, no name) and they
  must not hold a carnet of the programme on the day of the answer.
- Bad input is refused with a stable code and changes nothing.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voucher.db.models import Book, ComparisonGroup, FollowUp, Programme, Redemption
from voucher.domain import vocab
from voucher.domain.calendar import paris_date, utcnow
from voucher.domain.did import DESIGNS
from voucher.domain.errors import DomainError, register
from voucher.services import audit
from voucher.services.context import Actor
from voucher.services.issuance import handout
from voucher.services.issuance.books import get_book

register(
    "follow_up_no_session",
    "Ce carnet n'a encore servi à aucune séance : le suivi se note à la dernière séance ou après.",
)
register(
    "follow_up_before_last_session",
    "La date du suivi doit être le jour de la dernière séance ou après.",
)
register(
    "follow_up_after_first_session",
    "La réponse « avant » doit être datée au plus tard du jour de la première séance.",
)
register("follow_up_in_future", "La date du suivi ne peut pas être dans le futur.")
register("follow_up_invalid_answer", "Réponse inconnue : oui, en partie, non ou pas demandé.")
register("no_comparison_group", "Aucun groupe de comparaison n'est déclaré pour ce dispositif.")
register("comparison_group_exists", "Un groupe de comparaison est déjà déclaré pour ce dispositif.")
register(
    "comparison_invalid_kind",
    "Choisissez le type de groupe de comparaison : zone de comparaison ou liste d'attente.",
)
register(
    "comparison_label_invalid",
    "Donnez un nom au groupe de comparaison (200 caractères au plus).",
)
register(
    "comparison_has_carnet",
    "Cette personne a déjà reçu un carnet de ce dispositif : elle ne peut plus servir de comparaison.",
)

MOMENTS = ("avant", "apres")
ROLES = ("structure", "prescriber")


def _check_answer(answer: str, moment: str, observed_on: date) -> None:
    if answer not in vocab.FOLLOW_UP:
        raise DomainError("follow_up_invalid_answer", field="answer")
    if moment not in MOMENTS:
        raise DomainError("invalid_value", field="moment")
    if observed_on > paris_date(utcnow()):
        raise DomainError("follow_up_in_future", field="observed_on")


def _session_days(session: Session, book: Book) -> list[date]:
    """Days of the carnet holder's accepted sessions in the carnet's programme."""
    when = select(Redemption.scanned_at).where(
        Redemption.programme_id == book.programme_id,
        Redemption.beneficiary_id == book.beneficiary_id,
        Redemption.status == "accepted",
    )
    return sorted(paris_date(t) for t in session.scalars(when))


def _may_answer(session: Session, book: Book, organisation_id: int, role: str) -> bool:
    if role == "prescriber":
        return book.holder_id == organisation_id
    took = select(func.count()).where(
        Redemption.book_id == book.id, Redemption.structure_id == organisation_id
    )
    return role == "structure" and bool(session.scalar(took))


def record(
    session: Session,
    actor: Actor,
    *,
    serial: int,
    organisation_id: int,
    role: str,
    answer: str,
    observed_on: date,
    moment: str = "apres",
) -> FollowUp:
    """A pilot person's answer, named by their carnet's serial."""
    _check_answer(answer, moment, observed_on)
    try:
        book = get_book(session, serial)
    except DomainError:
        raise DomainError("not_found", object="book", field="serial") from None
    if not _may_answer(session, book, organisation_id, role):
        raise DomainError("not_found", object="book", field="serial")
    if book.beneficiary_id is None:
        raise DomainError("book_not_handed_out", field="serial")
    days = _session_days(session, book)
    if moment == "apres" and not days:
        raise DomainError("follow_up_no_session", field="serial")
    if moment == "apres" and observed_on < days[-1]:
        raise DomainError("follow_up_before_last_session", field="observed_on")
    if moment == "avant" and days and observed_on > days[0]:
        raise DomainError("follow_up_after_first_session", field="observed_on")
    return _add(
        session,
        actor,
        book.programme_id,
        book.beneficiary_id,
        "pilote",
        moment,
        answer,
        observed_on,
        organisation_id,
        role,
    )


def declare(
    session: Session, actor: Actor, *, programme_id: int, kind: str, label: str
) -> ComparisonGroup:
    if kind not in DESIGNS:
        raise DomainError("comparison_invalid_kind", field="kind")
    if session.get(Programme, programme_id) is None:
        raise DomainError("not_found", object="programme")
    label = (label or "").strip()
    if not label or len(label) > 200:
        raise DomainError("comparison_label_invalid", field="label")
    if comparison_of(session, programme_id) is not None:
        raise DomainError("comparison_group_exists")
    group = ComparisonGroup(
        programme_id=programme_id,
        kind=kind,
        label=label,
        declared_at=utcnow(),
        declared_by=actor.label[:200],
    )
    session.add(group)
    session.flush()
    audit.record(session, actor, "comparison.declare", ("programme", programme_id), kind=kind)
    return group


def comparison_of(session: Session, programme_id: int) -> ComparisonGroup | None:
    return session.scalars(
        select(ComparisonGroup).where(ComparisonGroup.programme_id == programme_id)
    ).first()


def record_comparison(
    session: Session,
    actor: Actor,
    *,
    programme_id: int,
    prescriber_id: int,
    profile: handout.Profile,
    key: bytes,
    answer: str,
    observed_on: date,
    moment: str,
) -> FollowUp:
    """A comparison person's answer, recorded pseudonymously by a prescriber."""
    _check_answer(answer, moment, observed_on)
    if comparison_of(session, programme_id) is None:
        raise DomainError("no_comparison_group")
    person = handout.find_or_create_beneficiary(session, prescriber_id, profile, key)
    given = session.scalars(
        select(Book.handed_out_at).where(
            Book.programme_id == programme_id, Book.beneficiary_id == person.id
        )
    ).all()
    if any(t is not None and paris_date(t) <= observed_on for t in given):
        raise DomainError("comparison_has_carnet")
    return _add(
        session,
        actor,
        programme_id,
        person.id,
        "comparaison",
        moment,
        answer,
        observed_on,
        prescriber_id,
        "prescriber",
    )


def _add(
    session: Session,
    actor: Actor,
    programme_id: int,
    beneficiary_id: int,
    cohort: str,
    moment: str,
    answer: str,
    observed_on: date,
    organisation_id: int,
    role: str,
) -> FollowUp:
    row = FollowUp(
        programme_id=programme_id,
        beneficiary_id=beneficiary_id,
        cohort=cohort,
        moment=moment,
        answer=answer,
        observed_on=observed_on,
        organisation_id=organisation_id,
        recorder_role=role,
        recorded_at=utcnow(),
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor,
        "follow_up.record",
        ("follow_up", row.id),
        organisation_id=organisation_id,
        cohort=cohort,
        moment=moment,
    )
    return row
