"""Handing a book to a beneficiary, recorded pseudonymously (no name, ever)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from voucher.db.models import Batch, Beneficiary, Book, Voucher
from voucher.domain import communes, identity, states, vocab
from voucher.domain.calendar import utcnow
from voucher.domain.errors import DomainError
from voucher.domain.states import BatchStatus
from voucher.domain.states import BookStatus as B
from voucher.domain.states import VoucherState as S
from voucher.services import audit
from voucher.services.context import Actor
from voucher.services.issuance.books import get_book


@dataclass(frozen=True)
class Profile:
    local_reference: str
    population: str
    age_band: str
    social_status: str
    commune_insee: str | None = None
    density_class: int | None = None  # 3 levels: 1 dense, 2 intermediate, 3 rural
    density_year: int | None = None  # of the grid the class comes from
    consent: bool = False


def find_or_create_beneficiary(
    session: Session, prescriber_id: int, profile: Profile, key: bytes
) -> Beneficiary:
    if not profile.local_reference or not profile.local_reference.strip():
        raise DomainError("invalid_value", field="local_reference")
    vocab.check(vocab.POPULATIONS, profile.population)
    vocab.check(vocab.AGE_BANDS, profile.age_band)
    vocab.check(vocab.STATUSES, profile.social_status)
    vocab.check_profile(profile.population, profile.age_band, profile.social_status)
    # a code the COG does not list (a postcode typed by mistake) would make a zone of one
    commune = communes.check(profile.commune_insee) if profile.commune_insee else None
    pseudo = identity.pseudonym(key, prescriber_id, profile.local_reference)
    found = session.scalars(
        select(Beneficiary).where(
            Beneficiary.prescriber_id == prescriber_id, Beneficiary.pseudonym == pseudo
        )
    ).first()
    if found:
        return found
    person = Beneficiary(
        prescriber_id=prescriber_id,
        pseudonym=pseudo,
        population=profile.population,
        age_band=profile.age_band,
        social_status=profile.social_status,
        commune_insee=commune,
        density_class=profile.density_class,
        density_year=profile.density_year,
        zone_kind=vocab.DENSITY_TO_KIND.get(profile.density_class or 0),
        consent=profile.consent,
        created_at=utcnow(),
    )
    session.add(person)
    session.flush()
    return person


def hand_out(
    session: Session, actor: Actor, *, serial: int, prescriber_id: int, profile: Profile, key: bytes
) -> Book:
    book = get_book(session, serial, lock=True)
    if book.holder_id != prescriber_id:
        raise DomainError("book_not_held")
    if book.status != B.IN_STOCK:
        raise DomainError(
            "book_already_handed_out" if book.status == B.HANDED_OUT else "book_unusable"
        )
    batch_status = session.scalar(select(Batch.status).where(Batch.id == book.batch_id))
    if batch_status != BatchStatus.ACTIVE:
        raise DomainError("not_active")
    person = find_or_create_beneficiary(session, prescriber_id, profile, key)
    now = utcnow()
    session.execute(
        update(Voucher)
        .where(
            Voucher.book_id == book.id,
            Voucher.state.in_(states.check_move([S.ACTIVE], S.DISTRIBUTED)),
        )
        .values(state=S.DISTRIBUTED, updated_at=now)
    )
    states.check_book_move([book.status], B.HANDED_OUT)
    book.status, book.beneficiary_id, book.handed_out_at = B.HANDED_OUT, person.id, now
    audit.record(
        session,
        actor,
        "book.hand_out",
        ("book", book.id),
        organisation_id=prescriber_id,
        serial=serial,
        beneficiary_id=person.id,
    )
    return book
