"""Read-side queries shared by pages and the API (no writes here)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voucher.db.models import Book, Organisation, Programme, Redemption, Voucher
from voucher.domain.states import OUTSTANDING, VoucherState

PAID_OR_OWED = (VoucherState.REDEEMED, VoucherState.REIMBURSED)


@dataclass(frozen=True)
class ProgrammeFigures:
    programme_id: int
    name: str
    face_value_cents: int
    books: int
    books_handed_out: int
    vouchers: int
    vouchers_active: int
    vouchers_redeemed: int
    redeemed_cents: int
    structures_active: int


def programme_figures(session: Session) -> list[ProgrammeFigures]:
    out = []
    for p in session.scalars(select(Programme).order_by(Programme.id)):
        books = (
            session.scalar(select(func.count()).select_from(Book).where(Book.programme_id == p.id))
            or 0
        )
        handed = (
            session.scalar(
                select(func.count())
                .select_from(Book)
                .where(Book.programme_id == p.id, Book.beneficiary_id.is_not(None))
            )
            or 0
        )
        states = dict(
            session.execute(
                select(Voucher.state, func.count())
                .where(Voucher.programme_id == p.id)
                .group_by(Voucher.state)
            ).all()
        )
        live = (Redemption.programme_id == p.id, Redemption.status == "accepted")
        redeemed_cents = session.scalar(
            select(func.coalesce(func.sum(Redemption.face_value_cents), 0)).where(*live)
        )
        structures = session.scalar(
            select(func.count(func.distinct(Redemption.structure_id))).where(*live)
        )
        out.append(
            ProgrammeFigures(
                programme_id=p.id,
                name=p.name,
                face_value_cents=p.face_value_cents,
                books=books,
                books_handed_out=handed,
                vouchers=sum(states.values()),
                vouchers_active=sum(states.get(s, 0) for s in OUTSTANDING),
                vouchers_redeemed=sum(states.get(s, 0) for s in PAID_OR_OWED),
                redeemed_cents=int(redeemed_cents or 0),
                structures_active=int(structures or 0),
            )
        )
    return out


def organisation_counts(session: Session) -> dict[str, int]:
    return {
        "funders": session.scalar(select(func.count()).where(Organisation.is_funder)) or 0,
        "prescribers": session.scalar(select(func.count()).where(Organisation.is_prescriber)) or 0,
        "structures": session.scalar(select(func.count()).where(Organisation.is_structure)) or 0,
    }
