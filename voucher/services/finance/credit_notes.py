"""Expiry settlement: alerts before the end of validity, and credit notes (*avoirs*) that
give each funder its share of the value left unused.

Rules kept:

* alerts list the open programmes whose validity ends within N days (default 30), those
  whose validity + grace is over (to expire: ``voucher expire``), and the expired ones whose
  unused value has not been returned yet; nothing is sent by mail, the list is the alert;
* a credit note needs an **expired** programme; it returns the whole current balance of
  ``breakage:{programme}`` split by the funders' shares (basis points, largest remainder, so
  the parts add up to the cent), one numbered note per funder (gap-free ``AV-AAAA-NNNN``):
  ``breakage`` -> ``funder_funds`` (the avoir), then ``funder_funds`` -> ``refund_payable``
  (the refund, **owed** to the funder: a liability until paid);
* the refund is a payment like a structure's (:mod:`.refunds`): a payment run sends it to the
  funder's current validated bank details (``refund_payable`` -> ``refund_in_payment``), the
  bank file settles it by EndToEndId (``refund_in_payment`` -> ``bank``); until then it stays
  owed to the funder, in the books and in ``voucher audit``;
* running it again finds a zero balance and issues nothing; value that reaches ``breakage``
  later (a hold rejected after expiry) is returned by the next run, whose note lists only
  the vouchers that became unusable since the previous note.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voucher.db.models import Batch, Book, CreditNote, Organisation, Programme, Voucher
from voucher.documents.statement_pdf import CreditNoteDoc
from voucher.domain import finance, ledger
from voucher.domain.calendar import PARIS, last_valid_day, paris_date, utcnow
from voucher.domain.errors import DomainError
from voucher.domain.money import split_by_shares
from voucher.domain.states import ENDED, OUTSTANDING, BatchStatus, ProgrammeStatus
from voucher.services import audit
from voucher.services.access.programme_scope import Scope
from voucher.services.context import Actor
from voucher.services.finance import journal
from voucher.services.finance.numbering import lock, take_numbers
from voucher.services.finance.scope import finance_scope
from voucher.services.programmes import programmes

ALERT_FR = {
    "ending": "fin de validité proche",
    "due": "à faire expirer (validité et délai de grâce passés)",
    "to_credit": "expiré : avoirs à émettre",
}


@dataclass(frozen=True)
class Alert:
    programme_id: int
    name: str
    valid_until: date
    grace_end: date
    kind: str  # ending, due, to_credit
    unused_vouchers: int
    unused_cents: int

    @property
    def kind_fr(self) -> str:
        return ALERT_FR[self.kind]


def _unused(session: Session, programme_id: int) -> tuple[int, int]:
    n, v = session.execute(
        select(func.count(), func.coalesce(func.sum(Voucher.face_value_cents), 0)).where(
            Voucher.programme_id == programme_id, Voucher.state.in_(OUTSTANDING)
        )
    ).one()
    return int(n), int(v)


def alerts(
    session: Session, scope: Scope, *, days: int = 30, today: date | None = None
) -> list[Alert]:
    today = today or paris_date(utcnow())
    out: list[Alert] = []
    for p in session.scalars(
        select(Programme).where(scope.where(Programme.id)).order_by(Programme.valid_until)
    ):
        grace_end = last_valid_day(p.valid_until, p.grace_days)
        if p.status == ProgrammeStatus.EXPIRED:
            owed = -journal.balance(session, ledger.breakage(p.id))
            if owed > 0:
                out.append(Alert(p.id, p.name, p.valid_until, grace_end, "to_credit", 0, owed))
            continue
        kind = (
            "due"
            if today > grace_end
            else "ending"
            if p.valid_until <= today + timedelta(days=days)
            else None
        )
        if kind:
            out.append(Alert(p.id, p.name, p.valid_until, grace_end, kind, *_unused(session, p.id)))
    return out


def issue(
    session: Session, actor: Actor, programme_id: int, *, scope: Scope | None = None
) -> list[CreditNote]:
    """One credit note per funder for the programme's unused value (see module docstring)."""
    scope = scope if scope is not None else finance_scope(session, actor)
    programme = session.get(Programme, programme_id)
    if programme is None or not scope.allows(programme_id):
        raise DomainError("not_found", object="programme")
    if programme.status != ProgrammeStatus.EXPIRED:
        raise DomainError("programme_not_expired")
    lock(session, "credit_note")
    owed = -journal.balance(session, ledger.breakage(programme_id))
    if owed <= 0:
        return []
    shares = programmes.programme_funders(session, programme_id)
    parts = split_by_shares(owed, [(str(f), bp) for f, bp in shares])
    since = session.scalar(
        select(func.max(CreditNote.created_at)).where(CreditNote.programme_id == programme_id)
    )
    now = utcnow()
    year = now.astimezone(PARIS).year
    payees = [(f, bp, parts[str(f)]) for f, bp in shares if parts[str(f)] > 0]
    notes = []
    for seq, (funder_id, bp, amount) in zip(
        take_numbers(session, "credit_note", year, len(payees)), payees, strict=True
    ):
        number = finance.credit_note_number(year, seq)
        funds = ledger.funder_funds(funder_id, programme_id)
        entry = journal.post(
            session,
            "credit_note.issue",
            ledger.move(amount, ledger.breakage(programme_id), funds),
            actor=actor,
            memo=f"avoir {number}",
        )
        refund = journal.post(
            session,
            "credit_note.owed",
            ledger.move(amount, funds, ledger.refund_payable(funder_id)),
            actor=actor,
            memo=f"avoir {number}",
        )
        note = CreditNote(
            number=number,
            year=year,
            seq=seq,
            programme_id=programme_id,
            funder_id=funder_id,
            share_bp=bp,
            amount_cents=amount,
            programme_breakage_cents=owed,
            since=since,
            created_at=now,
            created_by=actor.user_id,
            entry_id=entry,
            refund_entry_id=refund,
            refund_status="owed",
        )
        session.add(note)
        notes.append(note)
    session.flush()
    for note in notes:
        audit.record(
            session,
            actor,
            "credit_note.issue",
            ("credit_note", note.id),
            organisation_id=note.funder_id,
            programme_id=programme_id,
            amount_cents=note.amount_cents,
            number=note.number,
        )
    return notes


def books(session: Session, note: CreditNote) -> list[tuple[int, int, int]]:
    """(book serial, vouchers left unused, their value) for the funded vouchers that became
    expired or cancelled since the previous note."""
    q = (
        select(Book.serial, func.count(), func.sum(Voucher.face_value_cents))
        .join(Book, Book.id == Voucher.book_id)
        .join(Batch, Batch.id == Book.batch_id)
        .where(
            Voucher.programme_id == note.programme_id,
            Voucher.state.in_(ENDED),
            Batch.status == BatchStatus.ACTIVE,
            Voucher.updated_at <= note.created_at,
        )
        .group_by(Book.serial)
        .order_by(Book.serial)
    )
    if note.since is not None:
        q = q.where(Voucher.updated_at > note.since)
    return [(int(s), int(n), int(v)) for s, n, v in session.execute(q)]


def list_notes(
    session: Session, scope: Scope, *, programme_id: int | None = None
) -> list[tuple[CreditNote, str, str]]:
    q = (
        select(CreditNote, Programme.name, Organisation.name)
        .join(Programme, Programme.id == CreditNote.programme_id)
        .join(Organisation, Organisation.id == CreditNote.funder_id)
        .where(scope.where(CreditNote.programme_id))
        .order_by(CreditNote.year.desc(), CreditNote.seq.desc())
    )
    if programme_id is not None:
        q = q.where(CreditNote.programme_id == programme_id)
    return [(n, str(p), str(f)) for n, p, f in session.execute(q)]


def find(session: Session, scope: Scope, note_id: int) -> CreditNote:
    note = session.get(CreditNote, note_id)
    if note is None or not scope.allows(note.programme_id):
        raise DomainError("not_found", object="credit_note")
    return note


def document(session: Session, note: CreditNote, operator_name: str | None = None) -> CreditNoteDoc:
    funder = session.get(Organisation, note.funder_id)
    programme = session.get(Programme, note.programme_id)
    assert funder is not None and programme is not None
    listed = books(session, note)
    notes = []
    if sum(b[2] for b in listed) != note.programme_breakage_cents:
        notes.append(
            "Le détail par carnet ne couvre pas toute la valeur rendue : le solde du compte des "
            "chèques non utilisés fait foi (voir le journal)."
        )
    created: datetime = note.created_at.astimezone(PARIS)
    return CreditNoteDoc(
        number=note.number,
        funder_name=funder.name,
        funder_siret=funder.siret or "",
        programme_name=programme.name,
        valid_until=programme.valid_until,
        share_bp=note.share_bp,
        amount_cents=note.amount_cents,
        programme_breakage_cents=note.programme_breakage_cents,
        books=listed,
        created_at=created,
        operator_name=operator_name or "Registre des pass numériques",
        notes=notes,
    )
