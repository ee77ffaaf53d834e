"""Issuing, funding, moving, handing out and losing books."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests import factories as f
from voucher.db.models import AuditEvent, Beneficiary, Book, JournalEntry, Voucher
from voucher.domain import ledger
from voucher.domain.errors import DomainError
from voucher.services.finance import journal, ledger_audit
from voucher.services.issuance import batches, books, funds, handout


def test_a_batch_is_one_journal_entry_and_unique_valid_codes(session):
    w = f.world(session, books=5, activate=False)
    vouchers = session.scalars(select(Voucher).join(Book).where(Book.batch_id == w.batch.id)).all()
    assert len(vouchers) == 50 and len({v.code for v in vouchers}) == 50
    assert sorted({v.position for v in vouchers}) == list(range(1, 11))
    kinds = session.scalars(
        select(JournalEntry.kind).where(JournalEntry.id == w.batch.issue_entry_id)
    ).all()
    assert kinds == ["batch.issue"]


@pytest.mark.parametrize("books", [0, -1, 100_001])
def test_invalid_quantities_are_refused(session, books):
    w = f.world(session, books=1, activate=False)
    with pytest.raises(DomainError) as exc:
        batches.issue_batch(
            session,
            f.ACTOR,
            programme_id=w.programme.id,
            prescriber_id=w.prescriber.id,
            books=books,
        )
    assert exc.value.code == "invalid_quantity"


def test_only_a_prescriber_receives_books(session):
    w = f.world(session, books=1, activate=False)
    with pytest.raises(DomainError) as exc:
        batches.issue_batch(
            session, f.ACTOR, programme_id=w.programme.id, prescriber_id=w.structure.id, books=1
        )
    assert exc.value.code == "not_a_prescriber"


def test_activation_needs_each_funder_share(session):
    w = f.world(session, books=1, activate=False)
    funds.record_funds_received(
        session,
        f.ACTOR,
        programme_id=w.programme.id,
        funder_id=w.funder_a.id,
        amount_cents=100_000,
        received_on=date(2026, 1, 1),
    )
    with pytest.raises(DomainError) as exc:
        batches.activate_batch(session, f.ACTOR, w.batch.id)
    assert (
        exc.value.code == "insufficient_funds" and exc.value.details["funder_id"] == w.funder_b.id
    )
    funds.record_funds_received(
        session,
        f.ACTOR,
        programme_id=w.programme.id,
        funder_id=w.funder_b.id,
        amount_cents=5_000,
        received_on=date(2026, 1, 1),
    )
    batches.activate_batch(session, f.ACTOR, w.batch.id)
    with pytest.raises(DomainError) as exc:
        batches.activate_batch(session, f.ACTOR, w.batch.id)
    assert exc.value.code == "batch_already_active"


def test_funds_must_be_positive_cents_from_a_programme_funder(session):
    w = f.world(session, books=1, activate=False)
    for amount in (0, -5, 10.5):
        with pytest.raises(DomainError) as exc:
            funds.record_funds_received(
                session,
                f.ACTOR,
                programme_id=w.programme.id,
                funder_id=w.funder_a.id,
                amount_cents=amount,
                received_on=date(2026, 1, 1),
            )
        assert exc.value.code == "invalid_amount"
    with pytest.raises(DomainError):
        funds.record_funds_received(
            session,
            f.ACTOR,
            programme_id=w.programme.id,
            funder_id=w.structure.id,
            amount_cents=100,
            received_on=date(2026, 1, 1),
        )


def test_moving_a_book_moves_its_outstanding_value(session):
    w = f.world(session, books=2)
    other = f.prescriber(session, "CCAS Test")
    books.move_book(session, f.ACTOR, w.batch.first_serial, other.id)
    assert journal.balance(session, ledger.outstanding(w.programme.id, other.id)) == -10_000
    assert journal.balance(session, ledger.outstanding(w.programme.id, w.prescriber.id)) == -10_000
    assert ledger_audit.verify(session).ok


def test_hand_out_stores_a_pseudonym_never_the_reference(session):
    w = f.world(session, books=2)
    handout.hand_out(
        session,
        f.ACTOR,
        serial=w.batch.first_serial,
        prescriber_id=w.prescriber.id,
        profile=f.profile("Mme Martin dossier 1234"),
        key=f.KEY,
    )
    person = session.scalars(select(Beneficiary)).one()
    assert "Martin" not in person.pseudonym and "1234" not in person.pseudonym
    assert person.zone_kind == "rural"
    with pytest.raises(DomainError) as exc:
        handout.hand_out(
            session,
            f.ACTOR,
            serial=w.batch.first_serial,
            prescriber_id=w.prescriber.id,
            profile=f.profile(),
            key=f.KEY,
        )
    assert exc.value.code == "book_already_handed_out"
    other = f.prescriber(session, "Autre prescripteur")
    with pytest.raises(DomainError) as exc:
        handout.hand_out(
            session,
            f.ACTOR,
            serial=w.batch.first_serial + 1,
            prescriber_id=other.id,
            profile=f.profile(),
            key=f.KEY,
        )
    assert exc.value.code == "book_not_held"
    with pytest.raises(DomainError) as exc:
        handout.hand_out(
            session,
            f.ACTOR,
            serial=w.batch.first_serial + 1,
            prescriber_id=w.prescriber.id,
            profile=f.profile(age_band="quarante"),
            key=f.KEY,
        )
    assert exc.value.code == "invalid_value"


def test_every_use_case_leaves_an_audit_event(session):
    f.world(session, books=1)
    actions = set(session.scalars(select(AuditEvent.action)))
    assert {
        "organisation.create",
        "programme.create",
        "batch.issue",
        "funds.received",
        "batch.activate",
        "label.add",
    } <= actions
    assert (
        session.scalar(
            select(func.count()).select_from(AuditEvent).where(AuditEvent.actor_user_id == 1)
        )
        > 0
    )
