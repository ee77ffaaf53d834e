"""The print shop's and the auditor's test of "a production prints the books as they are":
after one book is replaced and another reported lost, the batch's production file and
printer's CSV carry neither book's dead codes, carry the replacement, and every barcode
decodes to exactly the codes a reception desk would accept. A book already partly used is
refused with its serial; a ledger that changes while the file is produced records nothing.
"""

from __future__ import annotations

import csv
import hashlib
import io

import pytest
from sqlalchemy import select

from tests import factories as f
from tests.documents import print_world as pw
from voucher.db.models import Book, PrintFile, PrintFileBook, Voucher
from voucher.domain.errors import DomainError
from voucher.domain.states import SCANNABLE
from voucher.services.issuance import books
from voucher.services.printing import production, reprint
from voucher.services.redemption import redeem


def _codes(session, serial: int) -> list[str]:
    return list(
        session.scalars(
            select(Voucher.code)
            .join(Book, Book.id == Voucher.book_id)
            .where(Book.serial == serial)
            .order_by(Voucher.position)
        )
    )


def _scannable(session, batch_id: int) -> list[str]:
    return list(
        session.scalars(
            select(Voucher.code)
            .join(Book, Book.id == Voucher.book_id)
            .where(Book.batch_id == batch_id, Voucher.state.in_(sorted(SCANNABLE)))
            .order_by(Book.serial, Voucher.position)
        )
    )


def _csv_codes(data: bytes) -> list[str]:
    return [row["code"] for row in csv.DictReader(io.StringIO(data.decode("utf-8")))]


def _run(job: production.PrintJob) -> bytes:
    return b"".join(job.chunks())


def _books_of(session, print_file_id: int) -> set[int]:
    return set(
        session.scalars(
            select(Book.serial)
            .join(PrintFileBook, PrintFileBook.book_id == Book.id)
            .where(PrintFileBook.print_file_id == print_file_id)
        )
    )


def test_a_replaced_and_a_lost_book_never_go_back_to_paper(session):
    p = pw.world(session, books=4)
    pw.approve(session, p)
    first = p.world.batch.first_serial
    before = _run(production.production(session, p.funder, p.batch_id))
    damaged, lost = _codes(session, first), _codes(session, first + 1)

    link = reprint.replace_book(session, p.funder, first, reason="carnet mouillé")
    books.report_book(session, f.ACTOR, first + 1, reason="lost")
    new_serial = reprint.new_serial(session, link)
    replacement = _codes(session, new_serial)
    dead = set(damaged) | set(lost)
    expected = _scannable(session, p.batch_id)
    assert len(expected) == 30 and not dead & set(expected) and set(replacement) <= set(expected)

    job = production.production(session, p.funder, p.batch_id)
    data = _run(job)
    decoded = pw.decode_pages(data)
    assert decoded == expected  # every barcode, exactly the scannable codes, in print order
    assert pw.printed_codes(data) == expected  # and the digits people read
    assert job.books == 3 and job.vouchers == 30
    assert job.left_out == {"lost": 1, "replaced": 1}
    assert job.result is not None
    assert hashlib.sha256(data).hexdigest() != hashlib.sha256(before).hexdigest()
    assert _books_of(session, job.result.print_file_id) == {first + 2, first + 3, new_serial}

    csv_job = production.printer_csv(session, p.funder, p.batch_id)
    rows = _csv_codes(_run(csv_job))
    assert rows == expected and not dead & set(rows)
    assert csv_job.result is not None
    assert _books_of(session, csv_job.result.print_file_id) == {first + 2, first + 3, new_serial}


def test_a_book_already_used_is_refused_by_name_until_it_is_replaced(session):
    p = pw.world(session, books=3)
    pw.approve(session, p)
    serial = p.world.batch.first_serial + 1
    used = _codes(session, serial)[0]
    redeem.redeem(
        session,
        f.ACTOR,
        redeem.Scan(code=used, structure_id=p.world.structure.id, theme="email"),
    )
    for start in (production.production, production.printer_csv):
        with pytest.raises(DomainError) as exc:
            start(session, p.funder, p.batch_id)
        assert exc.value.code == "print_books_used" and f"{serial:06d}" in exc.value.message
    assert session.scalars(select(PrintFile).where(PrintFile.kind != "proof")).all() == []

    reprint.replace_book(session, p.funder, serial, reason="chèques déjà utilisés")
    data = _run(production.production(session, p.funder, p.batch_id))
    decoded = pw.decode_pages(data)
    assert decoded == _scannable(session, p.batch_id) and used not in decoded
    assert len(decoded) == 29  # the replacement book carries the nine unused vouchers


def test_a_ledger_that_changes_during_the_production_records_nothing(session):
    p = pw.world(session, books=2)
    pw.approve(session, p)
    job = production.production(session, p.funder, p.batch_id)
    chunks = job.chunks()
    next(chunks)  # the file is produced...
    reprint.replace_book(session, p.funder, p.world.batch.first_serial, reason="déchiré")
    with pytest.raises(DomainError) as exc:
        next(chunks)  # ...but a book was replaced meanwhile
    assert exc.value.code == "print_ledger_changed" and job.result is None
    assert session.scalars(select(PrintFile).where(PrintFile.kind == "production")).all() == []


def test_a_batch_with_no_book_left_has_nothing_to_print(session):
    p = pw.world(session, books=1)
    pw.approve(session, p)
    books.report_book(session, f.ACTOR, p.world.batch.first_serial, reason="stolen")
    with pytest.raises(DomainError) as exc:
        production.production(session, p.funder, p.batch_id)
    assert exc.value.code == "nothing_to_print"
