"""Expiring a programme after its validity + grace: every unused voucher expires and its
value is booked to ``breakage`` (unfunded ones reverse their memorandum). One entry per
programme. Held vouchers stay held: their review decides."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from voucher.db.models import Book, Voucher
from voucher.domain import ledger, states
from voucher.domain.calendar import last_valid_day, paris_date, utcnow
from voucher.domain.errors import DomainError
from voucher.domain.states import BOOK_IN_USE, UNUSED, BookStatus, ProgrammeStatus
from voucher.domain.states import VoucherState as S
from voucher.services import audit
from voucher.services.context import Actor
from voucher.services.finance import journal
from voucher.services.programmes.programmes import get_programme


@dataclass(frozen=True)
class ExpiryReport:
    programme_id: int
    vouchers: int
    breakage_cents: int
    unfunded_cents: int


def expire_programme(session: Session, actor: Actor, programme_id: int) -> ExpiryReport:
    programme = get_programme(session, programme_id, lock=True)
    if programme.status != ProgrammeStatus.OPEN:
        raise DomainError("programme_closed")
    if paris_date(utcnow()) <= last_valid_day(programme.valid_until, programme.grace_days):
        raise DomainError("programme_not_over")
    face, pid = programme.face_value_cents, programme.id
    rows = session.execute(
        select(Book.holder_id, Voucher.state, func.count())
        .join(Book, Book.id == Voucher.book_id)
        .where(Voucher.programme_id == pid, Voucher.state.in_(UNUSED))
        .group_by(Book.holder_id, Voucher.state)
    ).all()
    postings: list[ledger.Posting] = []
    breakage = unfunded = count = 0
    for holder, state, n in rows:
        count += n
        if state == S.ISSUED:
            unfunded += n * face
            postings += ledger.move(n * face, ledger.commitment(pid), ledger.issued(pid, holder))
        else:
            breakage += n * face
            postings += ledger.move(n * face, ledger.outstanding(pid, holder), ledger.breakage(pid))
    if postings:
        journal.post(session, "programme.expire", postings, actor=actor, memo=programme.name)
    now = utcnow()
    session.execute(
        update(Voucher)
        .where(
            Voucher.programme_id == pid,
            Voucher.state.in_(states.check_move(UNUSED, S.EXPIRED)),
        )
        .values(state=S.EXPIRED, updated_at=now)
    )
    session.execute(
        update(Book)
        .where(
            Book.programme_id == pid,
            Book.status.in_(states.check_book_move(BOOK_IN_USE, BookStatus.EXPIRED)),
        )
        .values(status=BookStatus.EXPIRED)
    )
    programme.status, programme.expired_at = ProgrammeStatus.EXPIRED, now
    audit.record(
        session,
        actor,
        "programme.expire",
        ("programme", pid),
        vouchers=count,
        breakage_cents=breakage,
        unfunded_cents=unfunded,
    )
    return ExpiryReport(pid, count, breakage, unfunded)
