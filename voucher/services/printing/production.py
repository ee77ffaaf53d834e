"""Printing a batch: the proof (BAT), its approval, the production file, the printer's CSV.

Rules kept:

* only funder staff of the programme print, approve or download (:mod:`print_access`);
* a proof shows the batch's real layout, book serials, dates and amounts, with specimen codes
  (:func:`voucher.domain.codes.specimen`, wrong check digit: refused as ``mistyped_code``)
  and "SPECIMEN — ÉPREUVE" on every page;
* approval names the proof read (:mod:`voucher.services.printing.approval`); the
  production file follows the batch's latest proof, approved, states which
  (``print_file.proof_id``) and uses its options (QR code or not);
* the production file and the printer's CSV print the batch's books **as they are now**:
  books in circulation (in stock or handed out, replacement books included), never a
  replaced, lost, stolen or expired book; if a book in circulation holds a voucher already
  used (redeemed, held, cancelled), the file is refused (``print_books_used``): its dead
  code would go back on paper. Each file records the books it holds (``print_file_book``);
  if the ledger changed while the file was produced, nothing is recorded
  (``print_ledger_changed``);
* every production is numbered (``production n° 2`` of the batch, in the PDF's title): a
  reprint for a second print shop is a new file with its own SHA-256, recorded and audited;
  the batch keeps the first hash and time;
* the printer's CSV needs no approval (the print shop proofs its own design) but is funder
  staff only and audited, with its SHA-256 too;
* files are produced as a stream of chunks (:class:`PrintJob`); nothing is recorded unless
  the last byte was produced, and the caller commits (the CLI after the file is safely on
  disk).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from voucher.db.models import Batch, Organisation, PrintFile, Programme
from voucher.db.queries import printing as print_queries
from voucher.documents import print_package
from voucher.documents.carnet_pdf import BookSheet
from voucher.documents.printer_csv import CsvLine, stream_csv
from voucher.domain import codes
from voucher.domain.calendar import last_valid_day, paris_date, utcnow
from voucher.domain.errors import MESSAGES, DomainError
from voucher.domain.printing import CarnetInfo
from voucher.services.context import Actor
from voucher.services.printing.access import load_batch
from voucher.services.printing.approval import approved_proof
from voucher.services.printing.jobs import PrintJob, PrintResult, Progress, file_recorder
from voucher.services.printing.logo import cover_purpose, logo_png

__all__ = ["PrintJob", "PrintResult", "Progress", "file_recorder"]
PROOF_BOOKS = 1
CSV_TYPE = "text/csv; charset=utf-8"


def carnet_info(
    session: Session, batch: Batch, programme: Programme, holder_id: int | None = None
) -> CarnetInfo:
    """What the batch's books share on paper; the cover's places are the nearest to the
    prescriber the books go to (``holder_id``, else the batch's prescriber)."""
    holder = session.get(Organisation, holder_id or batch.prescriber_id)
    near = holder.commune_insee if holder is not None else None
    return CarnetInfo(
        programme=programme.name,
        funders=print_queries.funder_names(session, programme),
        face_value_cents=batch.face_value_cents,
        vouchers_per_book=batch.vouchers_per_book,
        valid_until=programme.valid_until,
        accepted_until=last_valid_day(programme.valid_until, programme.grace_days),
        places=print_queries.places(session, programme.id, paris_date(utcnow()), near),
        logo=logo_png(session, programme.id),
        purpose=cover_purpose(session, programme.id),
    )


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
    batch, programme = load_batch(session, actor, batch_id)
    info = carnet_info(session, batch, programme)
    if books < 1:
        raise DomainError(
            "invalid_value", "Le nombre de carnets montrés dans l'épreuve doit être au moins 1."
        )
    count, per_book = min(books, batch.books_count), batch.vouchers_per_book
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
        session=session,
        media_type=print_package.PDF,
        filename=filename,
        books=count,
        vouchers=count * per_book,
        produce=produce,
        record=file_recorder(
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


def in_circulation(session: Session, batch: Batch) -> print_queries.PrintCensus:
    """What the batch's print file holds now, or the refusal that says why not."""
    census = print_queries.census(session, batch.id)
    if census.used:
        books = [f"{serial:06d}" for serial in census.used]
        more = " (et d'autres)." if len(books) >= 10 else "."
        raise DomainError(
            "print_books_used",
            f"{MESSAGES['print_books_used']} Carnets concernés : {', '.join(books)}{more}",
            books=books,
        )
    if census.books == 0:
        raise DomainError("nothing_to_print", left_out=census.left_out)
    return census


def _still(session: Session, batch_id: int, serials: list[int]) -> None:
    """The books produced are still the batch's books in circulation, all unused (read in
    the session that records the file, which may not be the one that produced it)."""
    census = print_queries.census(session, batch_id)
    if census.used or print_queries.live_serials(session, batch_id) != serials:
        raise DomainError("print_ledger_changed")


def _counting(sheets: Iterator[BookSheet], serials: list[int]) -> Iterator[BookSheet]:
    for sheet in sheets:
        serials.append(sheet.serial)
        yield sheet


def production(
    session: Session,
    actor: Actor,
    batch_id: int,
    *,
    progress: Progress | None = None,
    part_books: int = print_package.PART_BOOKS,
) -> PrintJob:
    """The production file of the books in circulation: one PDF, or a ZIP of PDFs above
    ``part_books`` books."""
    batch, programme = load_batch(session, actor, batch_id)
    proof_file = approved_proof(session, batch)
    census = in_circulation(session, batch)
    info = carnet_info(session, batch, programme)
    number = 1 + int(
        session.scalar(
            select(func.count())
            .select_from(PrintFile)
            .where(PrintFile.batch_id == batch.id, PrintFile.kind == "production")
        )
        or 0
    )
    media_type = print_package.media_type(census.books, part_books)
    filename = f"lot-{batch.id}-production{print_package.extension(census.books, part_books)}"
    serials: list[int] = []

    def produce() -> Iterator[bytes]:
        rows = print_queries.voucher_rows(session, batch.id)
        sheets = (BookSheet(serial, vouchers) for serial, vouchers in print_queries.books_of(rows))
        yield from print_package.stream_books(
            _counting(sheets, serials),
            info,
            total_books=census.books,
            part_books=part_books,
            qr=proof_file.qr,
            name=f"lot-{batch.id}-carnets",
            title=f"Carnets — lot {batch.id}, production n° {number}",
            on_book=_on_book(progress),
        )

    record = file_recorder(
        actor,
        batch,
        kind="production",
        media_type=media_type,
        filename=filename,
        books=census.books,
        vouchers=census.vouchers,
        qr=proof_file.qr,
        proof_id=proof_file.id,
        serials=serials,
        first_print=batch.print_sha256 is None,
        production_number=number,
        proof_sha256=proof_file.sha256,
        left_out=census.left_out,
    )

    def record_on_batch(writing: Session, sha256: str, size: int) -> PrintResult:
        _still(writing, batch_id, serials)
        result = record(writing, sha256, size)
        current = writing.get(Batch, batch_id)
        assert current is not None  # checked by _still
        if current.print_sha256 is None:
            current.print_sha256, current.printed_at = sha256, utcnow()
        return result

    return PrintJob(
        session=session,
        media_type=media_type,
        filename=filename,
        books=census.books,
        vouchers=census.vouchers,
        produce=produce,
        record=record_on_batch,
        left_out=census.left_out,
    )


def printer_csv(
    session: Session, actor: Actor, batch_id: int, *, progress: Progress | None = None
) -> PrintJob:
    """The variable-data CSV of the books in circulation (see docs/printing.md)."""
    batch, programme = load_batch(session, actor, batch_id)
    census = in_circulation(session, batch)
    filename = f"lot-{batch.id}-imprimeur.csv"
    serials: list[int] = []

    def produce() -> Iterator[bytes]:
        def lines() -> Iterator[CsvLine]:
            for serial, position, code in print_queries.voucher_rows(session, batch.id):
                if not serials or serial != serials[-1]:
                    serials.append(serial)
                    if progress:
                        progress(1)
                yield CsvLine(serial, position, code)

        yield from stream_csv(
            lines(),
            per_book=batch.vouchers_per_book,
            face_value_cents=batch.face_value_cents,
            valid_until=programme.valid_until,
            accepted_until=last_valid_day(programme.valid_until, programme.grace_days),
        )

    record = file_recorder(
        actor,
        batch,
        kind="csv",
        media_type=CSV_TYPE,
        filename=filename,
        books=census.books,
        vouchers=census.vouchers,
        serials=serials,
        left_out=census.left_out,
    )

    def record_checked(writing: Session, sha256: str, size: int) -> PrintResult:
        _still(writing, batch_id, serials)
        return record(writing, sha256, size)

    return PrintJob(
        session=session,
        media_type=CSV_TYPE,
        filename=filename,
        books=census.books,
        vouchers=census.vouchers,
        produce=produce,
        record=record_checked,
        left_out=census.left_out,
    )
