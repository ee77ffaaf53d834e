"""Printing a batch: the proof (BAT), its approval, the production file, the printer's CSV.

Rules kept:

* only funder staff of the programme print, approve or download (:mod:`print_access`);
* a proof shows the batch's real layout, book serials, dates and amounts, with specimen codes
  (:func:`voucher.domain.codes.specimen`, wrong check digit: refused as ``mistyped_code``)
  and "SPECIMEN — ÉPREUVE" on every page;
* approving records who and when on the batch and on the latest proof; the production file
  uses the approved proof's options (QR code or not), so what is printed is what was approved;
* no production file before approval (``proof_not_approved``); the production file holds
  every voucher of the batch's original books, in serial and position order; its SHA-256
  and time are recorded on the batch the first time, and every file produced is listed in
  ``print_file`` and in the audit log with its SHA-256;
* the printer's CSV needs no approval (the print shop proofs its own design) but is funder
  staff only and audited, with its SHA-256 too;
* files are produced as a stream of chunks (:class:`PrintJob`); nothing is recorded unless
  the last byte was produced, and the caller commits (the CLI after the file is safely on
  disk).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from voucher import faults
from voucher.db.models import Batch, PrintFile, Programme
from voucher.db.queries import printing as print_queries
from voucher.documents import print_package
from voucher.documents.carnet_pdf import BookSheet
from voucher.documents.printer_csv import CsvLine, stream_csv
from voucher.domain import codes
from voucher.domain.calendar import last_valid_day, paris_date, utcnow
from voucher.domain.errors import DomainError
from voucher.domain.printing import CarnetInfo
from voucher.services import audit
from voucher.services.context import Actor
from voucher.services.issuance.batches import get_batch
from voucher.services.printing.access import require_funder_staff

Progress = Callable[[int], None]
PROOF_BOOKS = 1
CSV_TYPE = "text/csv; charset=utf-8"


@dataclass(frozen=True)
class PrintResult:
    kind: str
    batch_id: int
    media_type: str
    filename: str
    sha256: str
    size_bytes: int
    books: int
    vouchers: int
    print_file_id: int


class PrintJob:
    """A file being produced. Iterate :meth:`chunks` (or call :meth:`write_to`); once the
    last chunk is out, the file is recorded in the session and :attr:`result` is set."""

    def __init__(
        self,
        *,
        media_type: str,
        filename: str,
        books: int,
        vouchers: int,
        produce: Callable[[], Iterator[bytes]],
        record: Callable[[str, int], PrintResult],
    ) -> None:
        self.media_type, self.filename = media_type, filename
        self.books, self.vouchers = books, vouchers
        self._produce, self._record = produce, record
        self.result: PrintResult | None = None

    def chunks(self) -> Iterator[bytes]:
        digest, size = hashlib.sha256(), 0
        for chunk in self._produce():
            if chunk:
                digest.update(chunk)
                size += len(chunk)
                yield chunk
        self.result = self._record(digest.hexdigest(), size)
        faults.point("print.file_recorded")

    def write_to(self, out: BinaryIO) -> PrintResult:
        for chunk in self.chunks():
            out.write(chunk)
        assert self.result is not None
        return self.result


def _load(
    session: Session, actor: Actor, batch_id: int, *, lock: bool = False
) -> tuple[Batch, Programme]:
    batch = get_batch(session, batch_id, lock=lock)
    programme = session.get(Programme, batch.programme_id)
    if programme is None:
        raise DomainError("not_found", object="programme")
    require_funder_staff(session, actor, programme)
    return batch, programme


def carnet_info(session: Session, batch: Batch, programme: Programme) -> CarnetInfo:
    return CarnetInfo(
        programme=programme.name,
        funders=print_queries.funder_names(session, programme),
        face_value_cents=batch.face_value_cents,
        vouchers_per_book=batch.vouchers_per_book,
        valid_until=programme.valid_until,
        accepted_until=last_valid_day(programme.valid_until, programme.grace_days),
        places=print_queries.places(session, programme.id, paris_date(utcnow())),
    )


def file_recorder(
    session: Session,
    actor: Actor,
    batch: Batch,
    *,
    kind: str,
    media_type: str,
    filename: str,
    books: int,
    vouchers: int,
    qr: bool = False,
    book_id: int | None = None,
    **details: Any,
) -> Callable[[str, int], PrintResult]:
    def record(sha256: str, size: int) -> PrintResult:
        row = PrintFile(
            batch_id=batch.id,
            book_id=book_id,
            kind=kind,
            media_type=media_type,
            sha256=sha256,
            size_bytes=size,
            books=books,
            vouchers=vouchers,
            qr=qr,
            created_at=utcnow(),
            created_by=actor.user_id,
        )
        session.add(row)
        session.flush()
        audit.record(
            session,
            actor,
            f"print.{kind}",
            ("batch", batch.id),
            sha256=sha256,
            size_bytes=size,
            books=books,
            vouchers=vouchers,
            media_type=media_type,
            print_file_id=row.id,
            **details,
        )
        return PrintResult(
            kind, batch.id, media_type, filename, sha256, size, books, vouchers, row.id
        )

    return record


def _on_book(progress: Progress | None) -> Callable[[BookSheet], None] | None:
    return (lambda _book: progress(1)) if progress else None


def proof(
    session: Session,
    actor: Actor,
    batch_id: int,
    *,
    qr: bool = False,
    books: int = PROOF_BOOKS,
    progress: Progress | None = None,
) -> PrintJob:
    """The proof PDF: the first ``books`` books of the batch with specimen codes."""
    batch, programme = _load(session, actor, batch_id)
    info = carnet_info(session, batch, programme)
    count, per_book = max(1, min(books, batch.books_count)), batch.vouchers_per_book
    sheets = [
        BookSheet(
            batch.first_serial + k,
            tuple((p, codes.specimen(k * per_book + p)) for p in range(1, per_book + 1)),
        )
        for k in range(count)
    ]
    filename = f"lot-{batch.id}-epreuve.pdf"

    def produce() -> Iterator[bytes]:
        yield print_package.render_pdf(
            sheets,
            info,
            specimen=True,
            qr=qr,
            title=f"Épreuve — lot {batch.id}",
            on_book=_on_book(progress),
        )

    return PrintJob(
        media_type=print_package.PDF,
        filename=filename,
        books=count,
        vouchers=count * per_book,
        produce=produce,
        record=file_recorder(
            session,
            actor,
            batch,
            kind="proof",
            media_type=print_package.PDF,
            filename=filename,
            books=count,
            vouchers=count * per_book,
            qr=qr,
        ),
    )


def latest_proof(session: Session, batch_id: int, *, approved: bool = False) -> PrintFile | None:
    stmt = select(PrintFile).where(PrintFile.batch_id == batch_id, PrintFile.kind == "proof")
    if approved:
        stmt = stmt.where(PrintFile.approved_at.is_not(None))
    return session.scalars(stmt.order_by(PrintFile.id.desc()).limit(1)).first()


def approve_proof(session: Session, actor: Actor, batch_id: int) -> Batch:
    """The funder approves the latest proof produced for the batch."""
    batch, _ = _load(session, actor, batch_id, lock=True)
    if batch.proof_approved_at is not None:
        raise DomainError("proof_already_approved")
    proof_file = latest_proof(session, batch.id)
    if proof_file is None:
        raise DomainError("proof_missing")
    now = utcnow()
    proof_file.approved_at, proof_file.approved_by = now, actor.user_id
    batch.proof_approved_at, batch.proof_approved_by = now, actor.user_id
    audit.record(
        session,
        actor,
        "print.proof_approve",
        ("batch", batch.id),
        proof_sha256=proof_file.sha256,
        print_file_id=proof_file.id,
        qr=proof_file.qr,
    )
    return batch


def approved_qr(session: Session, batch: Batch) -> bool:
    if batch.proof_approved_at is None:
        raise DomainError("proof_not_approved")
    approved = latest_proof(session, batch.id, approved=True)
    return bool(approved and approved.qr)


def production(
    session: Session,
    actor: Actor,
    batch_id: int,
    *,
    progress: Progress | None = None,
    part_books: int = print_package.PART_BOOKS,
) -> PrintJob:
    """The production file: one PDF, or a ZIP of PDFs above ``part_books`` books."""
    batch, programme = _load(session, actor, batch_id)
    qr = approved_qr(session, batch)
    info = carnet_info(session, batch, programme)
    first, last = batch.first_serial, batch.first_serial + batch.books_count - 1
    media_type = print_package.media_type(batch.books_count, part_books)
    filename = f"lot-{batch.id}-production{print_package.extension(batch.books_count, part_books)}"
    vouchers = batch.books_count * batch.vouchers_per_book

    def produce() -> Iterator[bytes]:
        rows = print_queries.voucher_rows(session, batch.id, first, last)
        sheets = (BookSheet(serial, vouchers) for serial, vouchers in print_queries.books_of(rows))
        yield from print_package.stream_books(
            sheets,
            info,
            total_books=batch.books_count,
            part_books=part_books,
            qr=qr,
            name=f"lot-{batch.id}-carnets",
            title=f"Carnets — lot {batch.id}",
            on_book=_on_book(progress),
        )

    record = file_recorder(
        session,
        actor,
        batch,
        kind="production",
        media_type=media_type,
        filename=filename,
        books=batch.books_count,
        vouchers=vouchers,
        qr=qr,
        first_print=batch.print_sha256 is None,
    )

    def record_on_batch(sha256: str, size: int) -> PrintResult:
        result = record(sha256, size)
        if batch.print_sha256 is None:
            batch.print_sha256, batch.printed_at = sha256, utcnow()
        return result

    return PrintJob(
        media_type=media_type,
        filename=filename,
        books=batch.books_count,
        vouchers=vouchers,
        produce=produce,
        record=record_on_batch,
    )


def printer_csv(
    session: Session, actor: Actor, batch_id: int, *, progress: Progress | None = None
) -> PrintJob:
    """The variable-data CSV of the batch's original books (see docs/printing.md)."""
    batch, programme = _load(session, actor, batch_id)
    first, last = batch.first_serial, batch.first_serial + batch.books_count - 1
    filename = f"lot-{batch.id}-imprimeur.csv"
    vouchers = batch.books_count * batch.vouchers_per_book

    def produce() -> Iterator[bytes]:
        def lines() -> Iterator[CsvLine]:
            previous = None
            for serial, position, code in print_queries.voucher_rows(
                session, batch.id, first, last
            ):
                if progress and serial != previous:
                    progress(1)
                previous = serial
                yield CsvLine(serial, position, code)

        yield from stream_csv(
            lines(),
            per_book=batch.vouchers_per_book,
            face_value_cents=batch.face_value_cents,
            valid_until=programme.valid_until,
            accepted_until=last_valid_day(programme.valid_until, programme.grace_days),
        )

    return PrintJob(
        media_type=CSV_TYPE,
        filename=filename,
        books=batch.books_count,
        vouchers=vouchers,
        produce=produce,
        record=file_recorder(
            session,
            actor,
            batch,
            kind="csv",
            media_type=CSV_TYPE,
            filename=filename,
            books=batch.books_count,
            vouchers=vouchers,
        ),
    )
