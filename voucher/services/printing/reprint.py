"""Reprinting a damaged book: cancel its unused vouchers and issue replacements in a new
book, never the same codes again (docs/printing.md says why).

Rules kept:

* funder staff of the programme only; the batch's proof must be approved (the replacement
  is printed with the approved design);
* a lost, stolen, expired or already replaced book cannot be replaced; a book with no
  unused voucher has nothing to replace (``nothing_to_replace``);
* only unused vouchers (``issued``, ``active``, ``distributed``) are replaced; each gets a
  fresh random code in the new book, at the same position and in the **same state**;
  redeemed, held or reimbursed vouchers stay with the old book, whose status becomes
  ``replaced``;
* the new book belongs to the same batch, programme and holder (prescriber), and keeps the
  beneficiary and hand-out time: nothing changes for the person who holds it;
* no value is created or destroyed, so no journal entry is needed: each old voucher leaves
  the account its value sat in (``issued`` or ``outstanding`` of that programme and holder)
  in the same transaction as its replacement enters it, and ``voucher audit`` still finds
  every balance equal to the vouchers' states; the link old → new is kept in
  ``book_replacement`` and ``voucher_replacement`` and the audit log;
* a scan of an old code is refused as ``cancelled``.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from voucher.db import dialect
from voucher.db.models import Book, BookReplacement, Programme, Voucher, VoucherReplacement
from voucher.db.queries import printing as print_queries
from voucher.documents import print_package
from voucher.documents.carnet_pdf import BookSheet
from voucher.domain import codes, states
from voucher.domain.calendar import utcnow
from voucher.domain.errors import DomainError
from voucher.domain.states import BOOK_IN_USE, UNUSED
from voucher.domain.states import BookStatus as B
from voucher.domain.states import VoucherState as S
from voucher.services import audit
from voucher.services.context import Actor
from voucher.services.issuance.batches import get_batch
from voucher.services.issuance.books import get_book, next_serial
from voucher.services.printing import approval, production
from voucher.services.printing.access import require_funder_staff


def _programme(session: Session, actor: Actor, book: Book) -> Programme:
    programme = session.get(Programme, book.programme_id)
    if programme is None:
        raise DomainError("not_found", object="programme")
    require_funder_staff(session, actor, programme)
    return programme


def replace_book(session: Session, actor: Actor, serial: int, *, reason: str) -> BookReplacement:
    """Cancel the unused vouchers of book ``serial`` and issue them again in a new book."""
    reason = (reason or "").strip()
    if not reason or len(reason) > 200:
        raise DomainError("invalid_value", field="reason")
    book = get_book(session, serial, lock=True)
    _programme(session, actor, book)
    if book.status == B.REPLACED:
        raise DomainError("book_already_replaced")
    if book.status not in BOOK_IN_USE:
        raise DomainError("book_unusable")
    if get_batch(session, book.batch_id).proof_approved_at is None:
        raise DomainError("proof_not_approved")
    unused = (
        select(Voucher.id, Voucher.position, Voucher.state, Voucher.face_value_cents)
        .where(Voucher.book_id == book.id, Voucher.state.in_(UNUSED))
        .order_by(Voucher.position)
    )
    old = session.execute(dialect.for_update(unused, session)).all()
    if not old:
        raise DomainError("nothing_to_replace")
    now = utcnow()
    new_book = Book(
        batch_id=book.batch_id,
        programme_id=book.programme_id,
        serial=next_serial(session),
        holder_id=book.holder_id,
        beneficiary_id=book.beneficiary_id,
        handed_out_at=book.handed_out_at,
        status=book.status,
    )
    session.add(new_book)
    session.flush()
    session.execute(
        insert(Voucher),
        [
            dict(
                code=codes.generate(),
                book_id=new_book.id,
                programme_id=book.programme_id,
                position=v.position,
                face_value_cents=v.face_value_cents,
                state=v.state,
                updated_at=now,
            )
            for v in old
        ],
    )
    cancelled = session.connection().execute(
        update(Voucher)
        .where(
            Voucher.id.in_([v.id for v in old]),
            Voucher.state.in_(states.check_move(UNUSED, S.CANCELLED)),
        )
        .values(state=S.CANCELLED, updated_at=now)
    )
    if cancelled.rowcount != len(old):  # a scan slipped in: let the caller retry
        raise DomainError("invalid_value", field="book")
    states.check_book_move([book.status], B.REPLACED)
    book.status = B.REPLACED
    link = BookReplacement(
        old_book_id=book.id,
        new_book_id=new_book.id,
        reason=reason,
        vouchers=len(old),
        created_at=now,
        created_by=actor.user_id,
    )
    session.add(link)
    session.flush()
    new_ids = dict(
        session.execute(
            select(Voucher.position, Voucher.id).where(Voucher.book_id == new_book.id)
        ).all()
    )
    session.execute(
        insert(VoucherReplacement),
        [
            dict(old_voucher_id=v.id, new_voucher_id=new_ids[v.position], replacement_id=link.id)
            for v in old
        ],
    )
    audit.record(
        session,
        actor,
        "book.replace",
        ("book", book.id),
        serial=serial,
        new_serial=new_book.serial,
        new_book_id=new_book.id,
        vouchers=len(old),
        reason=reason,
    )
    return link


def new_serial(session: Session, link: BookReplacement) -> int:
    return int(session.scalar(select(Book.serial).where(Book.id == link.new_book_id)) or 0)


def replacement_print(
    session: Session, actor: Actor, new_serial: int, progress: production.Progress | None = None
) -> production.PrintJob:
    """The PDF of one replacement book (cover saying which book it replaces)."""
    book = get_book(session, new_serial)
    programme = _programme(session, actor, book)
    link = session.scalars(
        select(BookReplacement).where(BookReplacement.new_book_id == book.id)
    ).first()
    if link is None:
        raise DomainError("not_a_replacement")
    old = session.get(Book, link.old_book_id)
    assert old is not None
    batch = get_batch(session, book.batch_id)
    qr = approval.approved_qr(session, batch)
    info = production.carnet_info(session, batch, programme, book.holder_id)
    sheet = BookSheet(
        book.serial, print_queries.book_vouchers(session, book.id), replaces=old.serial
    )
    filename = f"carnet-{book.serial:06d}-remplacement.pdf"

    def produce() -> Iterator[bytes]:
        yield print_package.render_pdf(
            [sheet],
            info,
            qr=qr,
            title=f"Carnet {book.serial:06d} (remplacement)",
            on_book=(lambda _b: progress(1)) if progress else None,
        )

    record = production.file_recorder(
        actor,
        batch,
        kind="replacement",
        media_type=print_package.PDF,
        filename=filename,
        books=1,
        vouchers=len(sheet.vouchers),
        qr=qr,
        book_id=book.id,
        serial=book.serial,
        replaces=old.serial,
    )
    return production.PrintJob(
        session=session,
        media_type=print_package.PDF,
        filename=filename,
        books=1,
        vouchers=len(sheet.vouchers),
        produce=produce,
        record=record,
    )
